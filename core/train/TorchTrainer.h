#pragma once
// One training run of a GPT in LibTorch. This header is torch-free.
#include "train/TrainBackend.h"

#include <QJsonObject>
#include <QString>

namespace flopsfit {

// The plan's `training` section as the torch trainer reads it.
struct TorchTrainOptions {
    double warmupFrac = 0.05;   // linear warm-up share of the steps
    double minLrFrac = 0.1;     // cosine decays to lr × this
    double weightDecay = 0.1;
    double gradClip = 1.0;      // ≤ 0: no clipping
    QString parametrization = QStringLiteral("umup"); // umup | standard
    int lrBaseWidth = 128;      // u-muP: width at which the hidden matrices take the plan's lr
    int evalEvery = 100;        // steps between validation passes (and one at the end)
    int evalBatches = 8;        // batches per validation pass
    int checkpointEvery = 200;  // ≤ 0: only on cancel
    QString device = QStringLiteral("auto"); // auto | cpu | cuda
    int logEvery = 0;           // steps between metrics lines; 0: about 200 lines per run
    double divergenceLoss = 0;  // a training loss above this (or NaN/inf) diverges; 0: 2·ln(vocab)
    int lanes = 0;              // data-parallel lanes on CPU; 0: one per thread (see dataParallelLanes)

    // Throws InputError naming `origin` and the key on a bad value.
    static TorchTrainOptions fromConfig(const QJsonObject &config, const QString &origin);
};

// Trains `run` on <study>/data (token shards written by flopsfit-tokenize): AdamW (β 0.9/0.95),
// linear warm-up then cosine decay, gradient clipping and accumulation, a seeded data order,
// validation every evalEvery steps and at the end (the final validation loss is the result).
// Metrics go to runs/<id>/metrics.jsonl. A checkpoint (model, optimizer, data cursor) is written
// atomically to runs/<id>/ckpt.pt every checkpointEvery steps and on cancel, and resumed from
// on the next call; an unreadable checkpoint is reported in the result's message and the run
// starts again from scratch. A run whose loss turns NaN/inf or explodes returns Diverged.
// Uses context.threads threads: on CPU, each batch is split across dataParallelLanes() lanes
// (the calling thread and threads of its own), each with its share of the intra-op threads.
RunResult trainTorchRun(const RunSpec &run, const TrainContext &context, const TorchTrainOptions &options);

// How many lanes a step of `batch` sequences is split into with `threads` threads for a model of
// `parameters`: `requested` (at most the threads), or when it is 0 one per thread while the
// extra gradient buffers stay within 1 GiB; at most the batch, rounded down to a divisor of it.
// The losses depend on it (the sums run in another order), never on timing.
int dataParallelLanes(int threads, int batch, int requested, double parameters);

} // namespace flopsfit
