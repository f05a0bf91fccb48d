/* family_tree.c — Hinton's family-tree facts as 104 cases (family_tree.h). */
#define _POSIX_C_SOURCE 200809L
#include "redes/family_tree.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Isomorphic people are 12 apart; the order is data/family-tree/README.md's. */
static const char *const person_names[RN_FAMILY_PEOPLE] = {
    "Christopher", "Penelope", "Andrew", "Christine", "Margaret", "Arthur", "Victoria", "James",
    "Jennifer",    "Charles",  "Colin",  "Charlotte", "Roberto",  "Maria",  "Pierro",   "Francesca",
    "Gina",        "Emilio",   "Lucia",  "Marco",     "Angela",   "Tomaso", "Alfonso",  "Sophia"};

static const char *const relation_names[RN_FAMILY_RELATIONS] = {"father",  "mother",   "husband", "wife",
                                                                "son",     "daughter", "uncle",   "aunt",
                                                                "brother", "sister",   "nephew",  "niece"};

/* Per English person (index mod 12); see family_tree.h for the meaning. */
static const int generation_of[12] = {1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 3, 3};
static const int branch_of[12] = {-1, -1, +1, +1, -1, -1, -1, +1, +1, +1, 0, 0};

const char *rn_family_person_name(int person)
{
    return person >= 0 && person < RN_FAMILY_PEOPLE ? person_names[person] : "?";
}

const char *rn_family_relation_name(int relation)
{
    return relation >= 0 && relation < RN_FAMILY_RELATIONS ? relation_names[relation] : "?";
}

int rn_family_person_index(const char *name)
{
    for (int p = 0; p < RN_FAMILY_PEOPLE; p++)
        if (strcasecmp(name, person_names[p]) == 0) return p;
    return -1;
}

int rn_family_relation_index(const char *name)
{
    for (int r = 0; r < RN_FAMILY_RELATIONS; r++)
        if (strcasecmp(name, relation_names[r]) == 0) return r;
    return -1;
}

int rn_family_nationality(int person)
{
    return person >= 12;
}
int rn_family_generation(int person)
{
    return generation_of[person % 12];
}
int rn_family_branch(int person)
{
    return branch_of[person % 12];
}

int rn_family_case_index(const rn_family_tree *tree, int person, int relation)
{
    for (int c = 0; c < tree->n_cases; c++)
        if (tree->cases[c].person == person && tree->cases[c].relation == relation) return c;
    return -1;
}

/* Splits a line at tabs into exactly three fields; trims a trailing '\r'. */
static int split_fields(char *line, char *fields[3])
{
    size_t length = strlen(line);
    while (length && (line[length - 1] == '\n' || line[length - 1] == '\r'))
        line[--length] = '\0';
    int n = 0;
    char *p = line;
    while (n < 3) {
        fields[n++] = p;
        char *tab = strchr(p, '\t');
        if (!tab) break;
        *tab = '\0';
        p = tab + 1;
        if (n == 3) return 4; /* a fourth field */
    }
    return n;
}

/* Adds the fact "answer is the RELATION of person" to its case. */
static rn_status add_fact(int (*case_of)[RN_FAMILY_RELATIONS], rn_family_tree *tree, int person, int relation,
                          int answer)
{
    int c = case_of[person][relation];
    if (c < 0) {
        if (tree->n_cases == RN_FAMILY_CASES)
            return rn_error(RN_ERR_FORMAT, "more than %d (person, relation) cases", RN_FAMILY_CASES);
        c = tree->n_cases++;
        case_of[person][relation] = c;
        rn_family_case *new_case = &tree->cases[c];
        memset(new_case, 0, sizeof *new_case);
        new_case->person = person;
        new_case->relation = relation;
    }
    rn_family_case *the_case = &tree->cases[c];
    if (the_case->target[answer] != 0)
        return rn_error(RN_ERR_FORMAT, "the fact %s %s %s appears twice", person_names[person],
                        relation_names[relation], person_names[answer]);
    if (the_case->n_answers == RN_FAMILY_MAX_ANSWERS)
        return rn_error(RN_ERR_FORMAT, "%s has more than %d answers for %s", person_names[person],
                        RN_FAMILY_MAX_ANSWERS, relation_names[relation]);
    the_case->answers[the_case->n_answers++] = answer;
    the_case->target[answer] = 1;
    return RN_OK;
}

static int compare_cases(const void *a, const void *b)
{
    const rn_family_case *x = a, *y = b;
    if (x->person != y->person) return x->person - y->person;
    return x->relation - y->relation;
}

static rn_status read_facts(FILE *file, const char *path, rn_family_tree *tree, int *n_facts)
{
    int case_of[RN_FAMILY_PEOPLE][RN_FAMILY_RELATIONS];
    memset(case_of, 0xff, sizeof case_of); /* every entry -1 */
    char line[256];
    int line_number = 0;
    while (fgets(line, sizeof line, file)) {
        line_number++;
        if (!strchr(line, '\n') && !feof(file))
            return rn_error(RN_ERR_FORMAT, "%s:%d: line longer than %zu characters", path, line_number,
                            sizeof line - 2);
        if (line[0] == '#' || line[0] == '\n' || line[0] == '\r' || line[0] == '\0') continue;
        char *fields[3];
        int n = split_fields(line, fields);
        if (n != 3)
            return rn_error(RN_ERR_FORMAT, "%s:%d: expected 3 tab-separated fields, found %d", path,
                            line_number, n);
        int person = rn_family_person_index(fields[0]);
        int relation = rn_family_relation_index(fields[1]);
        int answer = rn_family_person_index(fields[2]);
        if (person < 0 || answer < 0)
            return rn_error(RN_ERR_FORMAT, "%s:%d: unknown person '%s'", path, line_number,
                            person < 0 ? fields[0] : fields[2]);
        if (relation < 0)
            return rn_error(RN_ERR_FORMAT, "%s:%d: unknown relation '%s'", path, line_number, fields[1]);
        rn_status status = add_fact(case_of, tree, person, relation, answer);
        if (status != RN_OK) return rn_error_context(status, "%s:%d", path, line_number);
        (*n_facts)++;
    }
    if (ferror(file)) return rn_error(RN_ERR_IO, "%s: read error: %s", path, strerror(errno));
    return RN_OK;
}

rn_status rn_family_tree_load(const char *path, rn_family_tree *tree)
{
    memset(tree, 0, sizeof *tree);
    FILE *file = fopen(path, "r");
    if (!file) return rn_error(RN_ERR_IO, "%s: %s", path, strerror(errno));
    int n_facts = 0;
    rn_status status = read_facts(file, path, tree, &n_facts);
    fclose(file);
    if (status != RN_OK) return status;
    if (n_facts != RN_FAMILY_FACTS || tree->n_cases != RN_FAMILY_CASES)
        return rn_error(RN_ERR_FORMAT, "%s: expected %d facts in %d cases, found %d facts in %d cases", path,
                        RN_FAMILY_FACTS, RN_FAMILY_CASES, n_facts, tree->n_cases);
    qsort(tree->cases, (size_t)tree->n_cases, sizeof tree->cases[0], compare_cases);
    for (int c = 0; c < tree->n_cases; c++) {
        rn_family_case *the_case = &tree->cases[c];
        if (the_case->n_answers == 2 && the_case->answers[0] > the_case->answers[1]) {
            int swap = the_case->answers[0];
            the_case->answers[0] = the_case->answers[1];
            the_case->answers[1] = swap;
        }
    }
    return RN_OK;
}

rn_status rn_family_parse_cases(const rn_family_tree *tree, const char *text, int *case_indices, int capacity,
                                int *count)
{
    *count = 0;
    const char *p = text;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t length = comma ? (size_t)(comma - p) : strlen(p);
        char item[64];
        if (length == 0 || length >= sizeof item)
            return rn_error(RN_ERR_ARGUMENT, "case '%.*s': expected PERSON:RELATION", (int)length, p);
        memcpy(item, p, length);
        item[length] = '\0';
        char *colon = strchr(item, ':');
        if (!colon) return rn_error(RN_ERR_ARGUMENT, "case '%s': expected PERSON:RELATION", item);
        *colon = '\0';
        int person = rn_family_person_index(item);
        int relation = rn_family_relation_index(colon + 1);
        if (person < 0) return rn_error(RN_ERR_ARGUMENT, "case '%s:%s': unknown person", item, colon + 1);
        if (relation < 0) return rn_error(RN_ERR_ARGUMENT, "case '%s:%s': unknown relation", item, colon + 1);
        int c = rn_family_case_index(tree, person, relation);
        if (c < 0)
            return rn_error(RN_ERR_ARGUMENT, "case '%s:%s': %s has no %s in the trees", item, colon + 1,
                            person_names[person], relation_names[relation]);
        for (int i = 0; i < *count; i++)
            if (case_indices[i] == c)
                return rn_error(RN_ERR_ARGUMENT, "case '%s:%s' is named twice", item, colon + 1);
        if (*count == capacity) return rn_error(RN_ERR_ARGUMENT, "more than %d cases named", capacity);
        case_indices[(*count)++] = c;
        p = comma ? comma + 1 : p + length;
    }
    if (*count == 0) return rn_error(RN_ERR_ARGUMENT, "no cases named (expected PERSON:RELATION,...)");
    return RN_OK;
}

static int compare_ints(const void *a, const void *b)
{
    return *(const int *)a - *(const int *)b;
}

rn_status rn_family_split(const rn_family_tree *tree, rn_rng *rng, int n_test, const int *fixed_test,
                          int *train, int *n_train, int *test)
{
    if (n_test < 0 || n_test >= tree->n_cases)
        return rn_error(RN_ERR_ARGUMENT, "cannot hold out %d of %d cases", n_test, tree->n_cases);
    bool held_out[RN_FAMILY_CASES] = {false};
    if (fixed_test) {
        for (int i = 0; i < n_test; i++) {
            if (fixed_test[i] < 0 || fixed_test[i] >= tree->n_cases || held_out[fixed_test[i]])
                return rn_error(RN_ERR_ARGUMENT, "held-out case %d is out of range or repeated",
                                fixed_test[i]);
            held_out[fixed_test[i]] = true;
        }
    } else {
        int order[RN_FAMILY_CASES];
        rn_rng_permutation(rng, order, tree->n_cases);
        for (int i = 0; i < n_test; i++)
            held_out[order[i]] = true;
    }
    int n_held = 0;
    *n_train = 0;
    for (int c = 0; c < tree->n_cases; c++) {
        if (held_out[c])
            test[n_held++] = c;
        else
            train[(*n_train)++] = c;
    }
    qsort(test, (size_t)n_held, sizeof *test, compare_ints);
    return RN_OK;
}
