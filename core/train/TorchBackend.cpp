#include "train/TorchBackend.h"

#include "train/TorchTrainer.h"

namespace flopsfit {

namespace {
class TorchBackend final : public TrainBackend {
public:
    explicit TorchBackend(const SweepSpec &spec)
        : m_options(TorchTrainOptions::fromConfig(spec.config, QStringLiteral("sweep.json")))
    {
    }
    QString name() const override { return QStringLiteral("torch"); }
    RunResult train(const RunSpec &run, const TrainContext &context) override
    {
        return trainTorchRun(run, context, m_options);
    }

private:
    TorchTrainOptions m_options;
};
} // namespace

void registerTorchBackend()
{
    registerBackend(QStringLiteral("torch"), [](const SweepSpec &spec) -> std::unique_ptr<TrainBackend> {
        return std::make_unique<TorchBackend>(spec);
    });
}

} // namespace flopsfit
