#include "FigureExport.h"

#include "store/StudyFiles.h"
#include "util/Error.h"

#include <QChart>
#include <QDir>
#include <QFileInfo>
#include <QGraphicsScene>
#include <QImage>
#include <QPainter>
#include <QPdfWriter>
#include <QSaveFile>
#include <QScopeGuard>
#include <QSvgGenerator>

namespace flopsfit::ui {

namespace {

void paintCharts(const QList<QChart *> &charts, QPainter *painter, const QSizeF &panel)
{
    QGraphicsScene scene;
    for (int i = 0; i < charts.size(); ++i) {
        scene.addItem(charts[i]);
        charts[i]->setGeometry(QRectF(QPointF(i * panel.width(), 0), panel));
    }
    const QRectF source(0, 0, panel.width() * charts.size(), panel.height());
    scene.setSceneRect(source);
    painter->setRenderHint(QPainter::Antialiasing);
    painter->setRenderHint(QPainter::TextAntialiasing);
    scene.render(painter, source, source);
    // The scene must not delete the charts: their owner does.
    for (QChart *chart : charts)
        scene.removeItem(chart);
}

} // namespace

void renderCharts(const QList<QChart *> &charts, const QString &path, const ExportOptions &options)
{
    const QSizeF panel(options.panelSize);
    const QSizeF total(panel.width() * charts.size(), panel.height());
    const QString suffix = QFileInfo(path).suffix().toLower();
    QDir().mkpath(QFileInfo(path).absolutePath());
    // Render to a temporary file, then rename: a failed export never leaves half a figure.
    QSaveFile out(path);
    if (!out.open(QIODevice::WriteOnly))
        throw InputError(QStringLiteral("%1: cannot write: %2").arg(path, out.errorString()));
    if (suffix == QLatin1String("png")) {
        const double scale = options.dpi / 96.0;
        QImage image((total * scale).toSize(), QImage::Format_ARGB32_Premultiplied);
        image.setDotsPerMeterX(int(options.dpi / 0.0254));
        image.setDotsPerMeterY(int(options.dpi / 0.0254));
        image.fill(Qt::white);
        QPainter painter(&image);
        painter.scale(scale, scale);
        paintCharts(charts, &painter, panel);
        painter.end();
        if (!image.save(&out, "PNG"))
            throw InputError(QStringLiteral("%1: PNG encoding failed").arg(path));
    } else if (suffix == QLatin1String("svg")) {
        QSvgGenerator svg;
        svg.setOutputDevice(&out);
        svg.setSize(total.toSize());
        svg.setViewBox(QRectF(QPointF(0, 0), total));
        svg.setTitle(QFileInfo(path).completeBaseName());
        svg.setDescription(QStringLiteral("flops-fit figure"));
        QPainter painter(&svg);
        paintCharts(charts, &painter, panel);
        painter.end();
    } else if (suffix == QLatin1String("pdf")) {
        QPdfWriter pdf(&out);
        pdf.setResolution(96);
        pdf.setPageSize(QPageSize(total, QPageSize::Point));
        pdf.setPageMargins(QMarginsF(0, 0, 0, 0));
        pdf.setTitle(QFileInfo(path).completeBaseName());
        QPainter painter(&pdf);
        const double scale = painter.viewport().width() / total.width();
        painter.scale(scale, scale);
        paintCharts(charts, &painter, panel);
        painter.end();
    } else {
        out.cancelWriting();
        throw InputError(QStringLiteral("%1: unknown figure format '%2' (png, svg or pdf)").arg(path, suffix));
    }
    if (!out.commit())
        throw InputError(QStringLiteral("%1: cannot write: %2").arg(path, out.errorString()));
}

QStringList exportStudyFigures(const QString &studyDir, const StudyAnalysis &analysis,
                               const ExportOptions &options)
{
    const QString dir = StudyPaths(studyDir).figuresDir();
    struct Figure {
        QString name;
        QList<QChart *> charts;
    };
    QList<Figure> figures{
        {QStringLiteral("isoflop"), {makeIsoFlopChart(analysis, options.style)}},
        {QStringLiteral("scaling"), makeScalingCharts(analysis, options.style)},
        {QStringLiteral("tokens_per_param"), {makeTokensPerParamChart(analysis, options.style)}},
    };
    if (analysis.haveParametric)
        figures.append({QStringLiteral("parametric"), {makeParametricChart(analysis, options.style)}});
    const auto deleteCharts = qScopeGuard([&figures] {
        for (const Figure &figure : figures)
            qDeleteAll(figure.charts);
    });
    QStringList written;
    for (const Figure &figure : figures) {
        for (const QString &format : options.formats) {
            const QString path = dir + QLatin1Char('/') + figure.name + QLatin1Char('.') + format;
            renderCharts(figure.charts, path, options);
            written.append(path);
        }
    }
    return written;
}

} // namespace flopsfit::ui
