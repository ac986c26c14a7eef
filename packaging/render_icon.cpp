// Renders the scalable application icon to the PNG sizes desktops look up in the hicolor theme.
// Usage: flopsfit-render-icon ICON.svg OUTDIR SIZE...  → OUTDIR/<S>x<S>/apps/flopsfit.png
#include <QDir>
#include <QGuiApplication>
#include <QImage>
#include <QPainter>
#include <QSvgRenderer>
#include <QTextStream>

int main(int argc, char **argv)
{
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QGuiApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() < 4) {
        QTextStream(stderr) << "usage: flopsfit-render-icon ICON.svg OUTDIR SIZE...\n";
        return 2;
    }
    QSvgRenderer svg(args[1]);
    if (!svg.isValid()) {
        QTextStream(stderr) << args[1] << ": not a valid SVG\n";
        return 2;
    }
    for (const QString &sizeText : args.mid(3)) {
        const int size = sizeText.toInt();
        QImage image(size, size, QImage::Format_ARGB32_Premultiplied);
        image.fill(Qt::transparent);
        QPainter painter(&image);
        painter.setRenderHint(QPainter::Antialiasing);
        svg.render(&painter);
        painter.end();
        const QString dir = QStringLiteral("%1/%2x%2/apps").arg(args[2]).arg(size);
        QDir().mkpath(dir);
        if (!image.save(dir + QStringLiteral("/flopsfit.png"))) {
            QTextStream(stderr) << dir << ": cannot write flopsfit.png\n";
            return 1;
        }
    }
    return 0;
}
