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
// Uses context.threads intra-op threads on the calling thread.
RunResult trainTorchRun(const RunSpec &run, const TrainContext &context, const TorchTrainOptions &options);

} // namespace flopsfit
