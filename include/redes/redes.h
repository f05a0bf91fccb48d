/* redes.h — the whole public API of the redes library. */
#ifndef REDES_H
#define REDES_H

#define REDES_VERSION "0.1.0"

#include "redes/arena.h"
#include "redes/clock.h"
#include "redes/current_stimulus.h"
#include "redes/gemm.h"
#include "redes/hh_analysis.h"
#include "redes/hodgkin_huxley.h"
#include "redes/image.h"
#include "redes/parallel.h"
#include "redes/plot.h"
#include "redes/rng.h"
#include "redes/status.h"
#include "redes/tensor.h"

#endif
