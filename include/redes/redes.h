/* redes.h — the whole public API of the redes library. */
#ifndef REDES_H
#define REDES_H

#define REDES_VERSION "0.1.0"

#include "redes/activation.h"
#include "redes/arena.h"
#include "redes/autograd.h"
#include "redes/batch.h"
#include "redes/clock.h"
#include "redes/conv.h"
#include "redes/conv_ops.h"
#include "redes/csv.h"
#include "redes/dataset.h"
#include "redes/elementwise.h"
#include "redes/gemm.h"
#include "redes/gradcheck.h"
#include "redes/idx.h"
#include "redes/image.h"
#include "redes/logic_gates.h"
#include "redes/loss.h"
#include "redes/metrics.h"
#include "redes/model.h"
#include "redes/optim.h"
#include "redes/parallel.h"
#include "redes/params.h"
#include "redes/perceptron.h"
#include "redes/plot.h"
#include "redes/pool.h"
#include "redes/rng.h"
#include "redes/safetensors.h"
#include "redes/softmax.h"
#include "redes/split.h"
#include "redes/status.h"
#include "redes/tensor.h"
#include "redes/train.h"

#endif
