// Approach-3 speed on the Chinchilla reference data (240 points after dropping the 5 highest
// losses): the full 4500-start Hoffmann grid, and bootstrap refits. Prints medians.
//   build/bench/bench_fit [--repeats 5] [--threads 2] [--bootstrap 1000] [--csv FILE] [--ceres]
// --ceres also times the same grid solved by Ceres from every start (slow; for comparison).
#include "ReferenceData.h"

#include "fit/Bootstrap.h"
#include "fit/ParametricFit.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QStringList>

#include <algorithm>
#include <cstdio>

using namespace flopsfit;

static double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
}

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    const auto option = [&](const QString &name, const QString &fallback) {
        const int i = int(args.indexOf(name));
        return i >= 0 && i + 1 < args.size() ? args[i + 1] : fallback;
    };
    const int repeats = option(QStringLiteral("--repeats"), QStringLiteral("5")).toInt();
    const int threads = option(QStringLiteral("--threads"), QStringLiteral("2")).toInt();
    const int bootstrap = option(QStringLiteral("--bootstrap"), QStringLiteral("1000")).toInt();
    const QString csv = option(QStringLiteral("--csv"), QStringLiteral(FLOPSFIT_CHINCHILLA_CSV));
    const auto ref = test::dropHighestLosses(test::readChinchillaCsv(csv), 5);
    if (ref.isEmpty()) {
        std::fprintf(stderr, "bench_fit: cannot read %s\n", qPrintable(csv));
        return 2;
    }
    QVector<ParametricObservation> points;
    for (const auto &p : ref)
        points.append({p.params, p.flops / (6 * p.params), p.loss, 1.0});

    ParametricFitOptions options;
    options.threads = threads;
    std::vector<double> gridTimes;
    ParametricFitReport fit;
    for (int r = 0; r < repeats; ++r) {
        QElapsedTimer t;
        t.start();
        fit = fitParametric(points, options);
        gridTimes.push_back(t.nsecsElapsed() / 1e9);
    }
    std::printf("points %d, starts %d, threads %d\n", int(points.size()), fit.starts, threads);
    std::printf("fit: E %.4f A %.1f B %.1f alpha %.4f beta %.4f (objective %.6g, %d/%d starts converged, %d at the best)\n",
                fit.law.E, fit.law.A, fit.law.B, fit.law.alpha, fit.law.beta, fit.objective, fit.converged, fit.starts,
                fit.startsAtBest);
    std::printf("grid of %d starts: median %.3f s over %d repeats (target <= 0.4 s)\n", fit.starts, median(gridTimes), repeats);

    if (args.contains(QStringLiteral("--ceres"))) {
        ParametricFitOptions ceres = options;
        ceres.ceresStarts = true;
        QElapsedTimer t;
        t.start();
        const ParametricFitReport c = fitParametric(points, ceres);
        std::printf("grid of %d starts, each solved by Ceres: %.3f s (one run); E %.4f alpha %.4f beta %.4f, %d at the best\n",
                    c.starts, t.nsecsElapsed() / 1e9, c.law.E, c.law.alpha, c.law.beta, c.startsAtBest);
    }
    if (bootstrap > 0) {
        std::vector<double> bootTimes;
        for (int r = 0; r < std::max(1, repeats / 2); ++r) {
            BootstrapOptions b;
            b.samples = bootstrap;
            b.seed = 1 + r;
            b.threads = threads;
            QElapsedTimer t;
            t.start();
            const ParametricBootstrap boot = bootstrapParametric(points, fit, options, b);
            bootTimes.push_back(t.nsecsElapsed() / 1e9);
            if (r == 0)
                std::printf("bootstrap: %d refits ok, alpha [%.4f, %.4f], beta [%.4f, %.4f]\n", boot.succeeded,
                            boot.interval(QStringLiteral("alpha")).lo, boot.interval(QStringLiteral("alpha")).hi,
                            boot.interval(QStringLiteral("beta")).lo, boot.interval(QStringLiteral("beta")).hi);
        }
        std::printf("%d bootstrap refits: median %.3f s over %d repeats (target <= 10 s)\n", bootstrap,
                    median(bootTimes), int(bootTimes.size()));
    }
    return 0;
}
