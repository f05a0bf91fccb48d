/* family_tree.h — Hinton's two isomorphic family trees (1986) as training cases.
 *
 * G. E. Hinton, "Learning distributed representations of concepts", Proc. 8th
 * Annual Conference of the Cognitive Science Society, 1986.  Two families,
 * English and Italian, 12 people each, the same shape:
 *
 *   English: Christopher = Penelope -> Arthur, Victoria;  Andrew = Christine -> James, Jennifer
 *            Margaret = Arthur;  Victoria = James -> Colin, Charlotte;  Jennifer = Charles
 *   Italian: Roberto = Maria -> Emilio, Lucia;  Pierro = Francesca -> Marco, Angela
 *            Gina = Emilio;  Lucia = Marco -> Alfonso, Sophia;  Angela = Tomaso
 *
 * A fact "person2 is the RELATION of person1" is one line of facts.tsv.  Facts
 * grouped by (person1, relation) give the paper's 104 cases; a case's target
 * is multi-hot over the 24 people (8 cases, the uncles and aunts of the
 * grandchildren, have two answers).
 *
 * People are indexed in a fixed order in which isomorphic people are 12 apart
 * (Christopher = 0, Roberto = 12), so person p is English when p < 12:
 *   Christopher Penelope Andrew Christine Margaret Arthur Victoria James
 *   Jennifer Charles Colin Charlotte | Roberto Maria Pierro Francesca Gina
 *   Emilio Lucia Marco Angela Tomaso Alfonso Sophia
 * Relations: father mother husband wife son daughter uncle aunt brother sister
 * nephew niece.
 */
#ifndef REDES_FAMILY_TREE_H
#define REDES_FAMILY_TREE_H

#include <stdbool.h>

#include "redes/rng.h"
#include "redes/status.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
    RN_FAMILY_PEOPLE = 24,    /* 12 English + 12 Italian */
    RN_FAMILY_RELATIONS = 12, /* father ... niece */
    RN_FAMILY_FACTS = 112,    /* lines of facts.tsv */
    RN_FAMILY_CASES = 104,    /* distinct (person1, relation) pairs */
    RN_FAMILY_MAX_ANSWERS = 2
};

/* One training case: input (person, relation), target multi-hot over people. */
typedef struct rn_family_case {
    int person;   /* person1, 0..23 */
    int relation; /* 0..11 */
    int n_answers;
    int answers[RN_FAMILY_MAX_ANSWERS]; /* the people who are the answer, ascending */
    float target[RN_FAMILY_PEOPLE];     /* 1 for each answer, 0 elsewhere */
} rn_family_case;

typedef struct rn_family_tree {
    int n_cases;
    rn_family_case cases[RN_FAMILY_CASES]; /* ordered by (person, relation) */
} rn_family_tree;

/* Reads facts.tsv (person1 TAB relation TAB person2; '#' starts a comment)
 * and groups the facts into the 104 cases.  Names must be the paper's; the
 * file must hold exactly 112 distinct facts that form 104 cases. */
rn_status rn_family_tree_load(const char *path, rn_family_tree *tree);

/* Names by index, and indices by name (-1 when unknown). */
const char *rn_family_person_name(int person);
const char *rn_family_relation_name(int relation);
int rn_family_person_index(const char *name);
int rn_family_relation_index(const char *name);
/* Index of the case (person, relation) in tree->cases, or -1. */
int rn_family_case_index(const rn_family_tree *tree, int person, int relation);

/* What each person is, for reading the learned codes (paper, figure 4):
 *   nationality: 0 English, 1 Italian
 *   generation:  1 grandparents (and their generation), 2 parents, 3 grandchildren
 *                (Margaret, Charles, Gina and Tomaso married into generation 2)
 *   branch:      -1 the Christopher/Penelope side (with Margaret, Arthur's wife),
 *                +1 the Andrew/Christine side (with Charles, Jennifer's husband),
 *                 0 Colin and Charlotte, who descend from both. */
int rn_family_nationality(int person);
int rn_family_generation(int person);
int rn_family_branch(int person);

/* Parses "Colin:aunt,Emilio:father" into case indices (at most `capacity`). */
rn_status rn_family_parse_cases(const rn_family_tree *tree, const char *text, int *case_indices, int capacity,
                                int *count);

/* Splits the cases: `n_test` distinct cases drawn uniformly with `rng` go to
 * test (ascending), the rest to train (ascending).  When `fixed_test` is not
 * NULL those `n_test` cases are held out instead and `rng` is not used. */
rn_status rn_family_split(const rn_family_tree *tree, rn_rng *rng, int n_test, const int *fixed_test,
                          int *train, int *n_train, int *test);

#ifdef __cplusplus
}
#endif
#endif
