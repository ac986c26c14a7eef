#include "train/TorchBackend.h"

#include "train/TorchTrainer.h"

#include <torch/version.h>

#include <QFile>
#include <QFileInfo>

#include <dlfcn.h>

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

QString torchRuntimeDescription()
{
    void *bound = dlsym(RTLD_DEFAULT, "sgemm_");
    Dl_info info{};
    QString library = QStringLiteral("none");
    if (bound && dladdr(bound, &info) && info.dli_fname) {
        library = QFile::decodeName(info.dli_fname);
        const QString canonical = QFileInfo(library).canonicalFilePath();
        if (!canonical.isEmpty())
            library = canonical;
    }
    void *system = dlopen("libblas.so.3", RTLD_LAZY | RTLD_NOLOAD);
    const bool isSystem = system && bound && dlsym(system, "sgemm_") == bound;
    if (system)
        dlclose(system);
    QString text = QStringLiteral("torch %1, BLAS %2").arg(QStringLiteral(TORCH_VERSION), library);
    if (!isSystem)
        text += QStringLiteral(" (not the system libblas.so.3: matrix products may run several times slower)");
    return text;
}

} // namespace flopsfit
