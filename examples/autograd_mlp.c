/* autograd_mlp.c — a 4-16-3 multilayer perceptron learns iris with the tape
 * (autograd.h) and plain stochastic gradient descent, written out here:
 *
 *   h = tanh(x W1^T + b1)      (B, 16)
 *   z = h W2^T + b2            (B, 3)     logits
 *   L = cross-entropy(z, c)               mean over the batch
 *   every parameter p <- p - eta dL/dp    after rn_backward
 *
 * Stratified 80/20 split, features standardised on the training part, batches
 * of 16, 100 epochs, seed 1.  Prints the loss as it falls and the test accuracy. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <redes/redes.h>

enum { N_HIDDEN = 16, BATCH = 16, EPOCHS = 100 };
static const float LEARNING_RATE = 0.1f;

typedef struct mlp {
    float *values, *grads; /* every parameter in one buffer, gradients in another */
    size_t size;
    rn_var w1, b1, w2, b2;
} mlp;

/* Views of (rows, cols) into both buffers, advancing *offset. */
static rn_var take(mlp *m, size_t *offset, int ndim, const int *shape)
{
    rn_var p = rn_param(rn_tensor_view(m->values + *offset, ndim, shape),
                        rn_tensor_view(m->grads + *offset, ndim, shape));
    *offset += rn_tensor_numel(&p.value);
    return p;
}

/* PyTorch's default for nn.Linear: weights and biases uniform in +-1/sqrt(fan_in). */
static int mlp_init(mlp *m, int n_inputs, int n_classes, rn_rng *rng)
{
    m->size = (size_t)N_HIDDEN * n_inputs + N_HIDDEN + (size_t)n_classes * N_HIDDEN + n_classes;
    m->values = malloc(m->size * sizeof(float));
    m->grads = calloc(m->size, sizeof(float));
    if (!m->values || !m->grads) return 1;
    size_t offset = 0;
    m->w1 = take(m, &offset, 2, (int[]){N_HIDDEN, n_inputs});
    m->b1 = take(m, &offset, 1, (int[]){N_HIDDEN});
    rn_rng_fill_uniform(rng, m->values, offset, -1.0f / sqrtf((float)n_inputs),
                        1.0f / sqrtf((float)n_inputs));
    size_t second = offset;
    m->w2 = take(m, &offset, 2, (int[]){n_classes, N_HIDDEN});
    m->b2 = take(m, &offset, 1, (int[]){n_classes});
    rn_rng_fill_uniform(rng, m->values + second, offset - second, -1.0f / sqrtf(N_HIDDEN),
                        1.0f / sqrtf(N_HIDDEN));
    return 0;
}

static rn_var *logits_of(rn_tape *tape, mlp *m, float *x, int rows, int n_inputs)
{
    rn_var *input = rn_tape_input(tape, rn_tensor_view(x, 2, (int[]){rows, n_inputs}));
    rn_var *hidden = rn_linear_act(tape, input, &m->w1, &m->b1, RN_ACT_TANH, 0.0f);
    return rn_linear(tape, hidden, &m->w2, &m->b2);
}

/* Fraction of rows whose largest logit is the right class. */
static double accuracy(rn_tape *tape, mlp *m, float *x, const int *labels, int rows, int n_inputs)
{
    rn_tape_set_grad_enabled(tape, false);
    rn_var *z = logits_of(tape, m, x, rows, n_inputs);
    int right = 0, classes = z ? z->value.shape[1] : 1;
    for (int i = 0; z && i < rows; i++) {
        const float *row = z->value.data + (size_t)i * classes;
        int best = 0;
        for (int k = 1; k < classes; k++)
            best = row[k] > row[best] ? k : best;
        right += best == labels[i];
    }
    rn_tape_reset(tape);
    rn_tape_set_grad_enabled(tape, true);
    return (double)right / rows;
}

int main(void)
{
    rn_dataset iris;
    rn_split split;
    rn_standardizer standardizer;
    rn_batcher batcher;
    rn_rng rng;
    rn_rng_seed(&rng, 1);
    if (rn_dataset_load("iris", &iris) != RN_OK ||
        rn_split_stratified(&iris, 0.8, 0.0, &rng, &split) != RN_OK ||
        rn_standardizer_fit(&standardizer, &iris, split.train, split.n_train, true) != RN_OK ||
        rn_batcher_init(&batcher, &iris, split.train, split.n_train, BATCH, true, 1) != RN_OK) {
        fprintf(stderr, "autograd_mlp: %s\n", rn_error_message());
        return 1;
    }
    batcher.standardizer = &standardizer;
    const int d = iris.n_features;
    mlp m;
    rn_tape *tape = rn_tape_create(0);
    float *x = malloc(sizeof(float) * (size_t)iris.n_examples * d);
    int *y = malloc(sizeof(int) * (size_t)iris.n_examples);
    if (!tape || !x || !y || mlp_init(&m, d, iris.n_classes, &rng))
        return fprintf(stderr, "out of memory\n"), 1;
    printf("iris: %d training and %d test examples, %d-%d-%d MLP, SGD eta %g, batch %d\n", split.n_train,
           split.n_test, d, N_HIDDEN, iris.n_classes, LEARNING_RATE, BATCH);

    for (int epoch = 1; epoch <= EPOCHS; epoch++) {
        double loss_sum = 0;
        int rows, seen = 0;
        while ((rows = rn_batcher_next(&batcher, x, y)) > 0) {
            rn_var *loss = rn_cross_entropy_loss(tape, logits_of(tape, &m, x, rows, d), y);
            memset(m.grads, 0, m.size * sizeof(float));
            if (!loss || rn_backward(tape, loss) != RN_OK) {
                fprintf(stderr, "autograd_mlp: %s\n", rn_tape_error(tape));
                return 1;
            }
            for (size_t i = 0; i < m.size; i++)
                m.values[i] -= LEARNING_RATE * m.grads[i];
            loss_sum += loss->value.data[0] * rows;
            seen += rows;
            rn_tape_reset(tape);
        }
        if (epoch == 1 || epoch % 25 == 0) printf("epoch %3d  training loss %.4f\n", epoch, loss_sum / seen);
    }

    rn_gather(&iris, &standardizer, split.train, split.n_train, x, y);
    double train_accuracy = accuracy(tape, &m, x, y, split.n_train, d);
    rn_gather(&iris, &standardizer, split.test, split.n_test, x, y);
    double test_accuracy = accuracy(tape, &m, x, y, split.n_test, d);
    printf("accuracy: training %.3f, test %.3f\n", train_accuracy, test_accuracy);

    rn_tape_destroy(tape);
    free(m.values), free(m.grads), free(x), free(y);
    rn_batcher_free(&batcher);
    rn_standardizer_free(&standardizer);
    rn_split_free(&split);
    rn_dataset_free(&iris);
    return 0;
}
