#include "LossPlot.h"

#include "store/StudyFiles.h"
#include "util/Error.h"

#include <QElapsedTimer>
#include <QFileInfo>
#include <QImage>
#include <QMouseEvent>
#include <QPaintEngine>
#include <QPainter>
#include <QPainterPath>
#include <QSaveFile>
#include <QSvgGenerator>
#include <QThreadPool>
#include <QtConcurrent/QtConcurrentMap>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>
#include <limits>

namespace flopsfit::ui {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr int kLegendWidth = 170;
constexpr int kLegendRow = 16;

QString superscript(int n)
{
    static const QChar digits[] = {QChar(0x2070), QChar(0x00B9), QChar(0x00B2), QChar(0x00B3), QChar(0x2074),
                                   QChar(0x2075), QChar(0x2076), QChar(0x2077), QChar(0x2078), QChar(0x2079)};
    QString out = n < 0 ? QString(QChar(0x207B)) : QString();
    for (const QChar c : QString::number(std::abs(n)))
        out += digits[c.digitValue()];
    return out;
}

// 0.5, 12, 2×10⁵, 10⁶
QString formatNumber(double v)
{
    if (v == 0)
        return QStringLiteral("0");
    const double a = std::abs(v);
    if (a >= 1e5 || a < 1e-3) {
        const int e = int(std::floor(std::log10(a) + 1e-9));
        const double m = v / std::pow(10.0, e);
        const QString mantissa = QString::number(m, 'g', 3);
        return (mantissa == QLatin1String("1") ? QString() : mantissa + QStringLiteral("×")) +
               QStringLiteral("10") + superscript(e);
    }
    return QString::number(v, 'g', 6);
}

// Tick positions in axis coordinates.
QVector<double> ticks(double lo, double hi, bool logAxis)
{
    QVector<double> out;
    if (!(hi > lo))
        return out;
    if (logAxis && hi - lo >= 1.0) {
        const double span = hi - lo;
        const int stride = std::max(1, int(std::ceil(span / 8.0)));
        for (int e = int(std::ceil(lo)); e <= int(std::floor(hi)); ++e) {
            if (e % stride == 0)
                out.append(e);
            if (span < 3) {
                for (double m : {2.0, 5.0}) {
                    const double t = e + std::log10(m);
                    if (t >= lo && t <= hi)
                        out.append(t);
                }
            }
        }
        if (span < 3) {
            const double t = std::floor(lo) + std::log10(5.0);
            if (t >= lo && t <= hi && !out.contains(t))
                out.append(t);
            std::sort(out.begin(), out.end());
        }
        return out;
    }
    if (logAxis) {
        // Less than a decade: every integer mantissa.
        for (int e = int(std::floor(lo)); e <= int(std::ceil(hi)); ++e) {
            for (int m = 1; m <= 9; ++m) {
                const double t = e + std::log10(double(m));
                if (t >= lo && t <= hi)
                    out.append(t);
            }
        }
        return out;
    }
    const double raw = (hi - lo) / 6.0;
    const double mag = std::pow(10.0, std::floor(std::log10(raw)));
    double step = mag;
    for (double m : {1.0, 2.0, 5.0, 10.0}) {
        step = m * mag;
        if (step >= raw)
            break;
    }
    for (double t = std::ceil(lo / step) * step; t <= hi + 1e-9 * step; t += step)
        out.append(std::abs(t) < 1e-12 * step ? 0.0 : t);
    return out;
}
// x·a/255 for the four 8-bit channels of x at once (a in 0..255), rounded as Qt's raster engine does.
inline quint32 byteMul(quint32 x, quint32 a)
{
    quint32 t = (x & 0xff00ff) * a;
    t = (t + ((t >> 8) & 0xff00ff) + 0x800080) >> 8;
    t &= 0xff00ff;
    x = ((x >> 8) & 0xff00ff) * a;
    x = x + ((x >> 8) & 0xff00ff) + 0x800080;
    x &= 0xff00ff00;
    return x | t;
}

// floor() for values well inside int, without a call into libm.
inline int floorInt(double v)
{
    const int i = int(v);
    return i - (v < i);
}

// Draws polylines with an antialiased pen one pixel wide straight into a premultiplied image,
// a pixel column at a time: in each column the line covers the span between the lowest and the
// highest y it reaches there, widened by half the pen up and down, and the span's end pixels are
// blended by the share of them it covers. Exact for curves whose x never goes back, as training
// curves are, and several times faster than QPainter's stroker on many long curves. Rasterizers
// whose clips do not overlap may draw into one image at the same time.
class ColumnRasterizer {
public:
    // Draws into the 32-bit pixels at `bits` (an image of `size`, `stride` bytes a row; taken once
    // before the rasterizers start, since QImage::bits() may detach). Points map to image pixels
    // as (point - origin) · scale; `clip` is in image pixels.
    ColumnRasterizer(uchar *bits, qsizetype stride, QSize size, const QRect &clip, QPointF origin, double scale)
        : m_bits(bits), m_stride(stride), m_clip(clip.intersected(QRect(QPoint(0, 0), size))), m_origin(origin),
          m_scale(scale), m_lo(std::size_t(std::max(0, size.width())), kEmpty), m_hi(m_lo.size(), -kEmpty)
    {
    }

    // `points` sorted by x; the pen is `scale` image pixels wide (one pixel at scale 1).
    void drawPolyline(const QPointF *points, int count, const QColor &color)
    {
        if (count <= 0 || m_clip.isEmpty())
            return;
        const int left = m_clip.left(), right = m_clip.right();
        // Only the points that reach into the clip, and one more on either side.
        const double x0 = m_origin.x() + left / m_scale, x1 = m_origin.x() + (right + 1) / m_scale;
        const auto byX = [](const QPointF &p, double x) { return p.x() < x; };
        int from = int(std::lower_bound(points, points + count, x0, byX) - points) - 1;
        int to = int(std::lower_bound(points, points + count, x1, byX) - points) + 1;
        from = std::max(0, from);
        to = std::min(count, to);
        float *lo = m_lo.data(), *hi = m_hi.data();
        int first = right + 1, last = left - 1;
        auto toImage = [this](const QPointF &p) {
            return QPointF((p.x() - m_origin.x()) * m_scale, (p.y() - m_origin.y()) * m_scale);
        };
        QPointF a = toImage(points[from]);
        if (to - from == 1 && a.x() >= left && a.x() < right + 1) {
            const int c = int(a.x());
            lo[c] = hi[c] = float(a.y());
            first = last = c;
        }
        for (int i = from + 1; i < to; ++i) {
            const QPointF b = toImage(points[i]);
            // Clamped before the conversion: a point far outside the view is far outside int.
            const int c0 = std::max(left, floorInt(std::max(a.x(), left - 1.0)));
            const int c1 = std::min(right, floorInt(std::min(b.x(), right + 1.0)));
            if (c0 <= c1) {
                first = std::min(first, c0);
                last = std::max(last, c1);
                const double dx = b.x() - a.x();
                if (c0 == c1 || dx <= 0) {
                    // Both ends in one column (or a vertical step): the span of the clipped part.
                    double ya = a.y(), yb = b.y();
                    if (dx > 0 && (a.x() < c0 || b.x() >= c0 + 1)) {
                        const double slope = (b.y() - a.y()) / dx;
                        ya = a.y() + (std::max(a.x(), double(c0)) - a.x()) * slope;
                        yb = a.y() + (std::min(b.x(), c0 + 1.0) - a.x()) * slope;
                    }
                    lo[c0] = std::min(lo[c0], float(std::min(ya, yb)));
                    hi[c0] = std::max(hi[c0], float(std::max(ya, yb)));
                } else {
                    const double slope = (b.y() - a.y()) / dx;
                    for (int c = c0; c <= c1; ++c) {
                        const double ya = a.y() + (std::max(a.x(), double(c)) - a.x()) * slope;
                        const double yb = a.y() + (std::min(b.x(), c + 1.0) - a.x()) * slope;
                        lo[c] = std::min(lo[c], float(std::min(ya, yb)));
                        hi[c] = std::max(hi[c], float(std::max(ya, yb)));
                    }
                }
            }
            a = b;
        }
        const quint32 src = qPremultiply(color.rgba());
        const float width = float(m_scale), half = 0.5f * width;
        const float clipTop = float(m_clip.top()), clipBottom = float(m_clip.bottom() + 1);
        for (int c = first; c <= last; ++c) {
            const float top = std::max(clipTop, lo[c] - half);
            const float bottom = std::min(clipBottom, hi[c] + half);
            lo[c] = kEmpty;
            hi[c] = -kEmpty;
            if (!(bottom > top))
                continue;
            // A straight pen w wide that rises h within a column inks w·√(w² + h²) of it, not
            // all of the w·(h + w) span: thin the span to that, so that steep parts keep the weight
            // of flat ones.
            const float h = bottom - top - width, ink = h > 0 ? std::sqrt(width * width + h * h) / (h + width) : 1.0f;
            uchar *column = m_bits + c * 4;
            const int r0 = int(top), r1 = -floorInt(-bottom) - 1;
            if (r0 == r1) {
                blend(column, r0, src, (bottom - top) * ink);
                continue;
            }
            blend(column, r0, src, (r0 + 1 - top) * ink);
            for (int r = r0 + 1; r < r1; ++r)
                blend(column, r, src, ink);
            blend(column, r1, src, (bottom - r1) * ink);
        }
    }

private:
    void blend(uchar *column, int row, quint32 src, float share) const
    {
        const quint32 a = quint32(share * 255.0f + 0.5f);
        if (a == 0)
            return;
        quint32 *px = reinterpret_cast<quint32 *>(column + qsizetype(row) * m_stride);
        const quint32 s = a >= 255 ? src : byteMul(src, a);
        *px = s + byteMul(*px, 255 - qAlpha(s));
    }

    static constexpr float kEmpty = std::numeric_limits<float>::infinity();
    uchar *m_bits;
    qsizetype m_stride;
    QRect m_clip;
    QPointF m_origin;
    double m_scale;
    std::vector<float> m_lo, m_hi; // per column, the span the current curve covers
};

// Whether curves painted with `p` end up as pixels (an image, a pixmap or a window) rather than
// as vectors (SVG, PDF): pixels take the column rasterizer.
bool paintsPixels(const QPainter &p)
{
    const int type = p.device() ? p.device()->devType() : 0;
    return (type == QInternal::Image || type == QInternal::Pixmap || type == QInternal::Widget) &&
           p.paintEngine() && p.paintEngine()->type() == QPaintEngine::Raster &&
           p.worldTransform().isIdentity();
}
} // namespace

LossPlot::LossPlot(QWidget *parent) : QWidget(parent)
{
    setMouseTracking(true);
    setMinimumSize(360, 240);
    setAttribute(Qt::WA_OpaquePaintEvent);
    m_redraw.setSingleShot(true);
    m_redraw.setInterval(33);
    connect(&m_redraw, &QTimer::timeout, this, qOverload<>(&QWidget::update));
}

void LossPlot::requestRedraw()
{
    if (!m_redraw.isActive())
        m_redraw.start();
}

QVector<double> LossPlot::ema(const QVector<double> &values, double weight)
{
    QVector<double> out(values.size(), kNaN);
    double sum = 0;
    int count = 0;
    for (int i = 0; i < values.size(); ++i) {
        if (std::isnan(values[i]))
            continue;
        sum = weight * sum + (1 - weight) * values[i];
        ++count;
        const double debias = 1 - std::pow(weight, count);
        out[i] = debias > 0 ? sum / debias : values[i];
    }
    return out;
}

// One bucket per pixel column of [x0, x1], and one each for every x left or right of it.
struct ColumnBuckets {
    double x0, scale;
    int columns;
    long long of(double x) const
    {
        const double t = (x - x0) * scale;
        return t < 0 ? -1 : t >= columns ? columns : (long long)t;
    }
};

// The buckets of a reduction, and room for its output; false when there is nothing to reduce.
static bool startReduction(int count, double x0, double x1, int columns, QVector<int> &out, ColumnBuckets &bucket)
{
    if (count <= 0 || columns <= 0 || !(x1 > x0))
        return false;
    bucket = {x0, columns / (x1 - x0), columns};
    out.reserve(std::min(count, 2 * columns + 4));
    return true;
}

// The lowest and the highest point of a bucket in their order: the line through them covers the
// column's whole span, and joins the neighbouring columns within a pixel of the true path. A flat
// bucket keeps one point.
static void appendBucket(QVector<int> &out, int lo, int hi, bool flat)
{
    if (flat || lo == hi) {
        out.append(hi);
    } else {
        out.append(std::min(lo, hi));
        out.append(std::max(lo, hi));
    }
}

QVector<int> LossPlot::minMaxDownsample(const double *x, const double *y, int count, double x0,
                                        double x1, int columns, double flatSpan)
{
    QVector<int> out;
    ColumnBuckets bucket{};
    if (!startReduction(count, x0, x1, columns, out, bucket))
        return out;
    // The bucket being filled: its column, and its lowest and highest point (index and value).
    // Kept in locals, not captured by a lambda, so that they stay in registers.
    long long column = 0;
    int lo = -1, hi = -1;
    double loY = 0, hiY = 0;
    for (int i = 0; i < count; ++i) {
        const double xi = x[i], yi = y[i];
        if (std::isnan(xi) || std::isnan(yi))
            continue;
        const long long c = bucket.of(xi);
        if (c != column || lo < 0) {
            if (lo >= 0)
                appendBucket(out, lo, hi, hiY - loY <= flatSpan);
            column = c;
            lo = hi = i;
            loY = hiY = yi;
            continue;
        }
        if (yi < loY) {
            lo = i;
            loY = yi;
        }
        if (yi > hiY) {
            hi = i;
            hiY = yi;
        }
    }
    if (lo >= 0)
        appendBucket(out, lo, hi, hiY - loY <= flatSpan);
    return out;
}

QVector<int> LossPlot::minMaxDownsampleSorted(const double *x, const double *y, int count, double x0,
                                              double x1, int columns, double flatSpan)
{
    // The same buckets as minMaxDownsample (one formula, monotonic in x), found by galloping
    // and bisection instead of point by point, then one tight pass over each bucket's y.
    QVector<int> out;
    ColumnBuckets bucket{};
    if (!startReduction(count, x0, x1, columns, out, bucket))
        return out;
    for (int i = 0; i < count;) {
        const long long c = bucket.of(x[i]);
        qint64 from = i + 1, to = i + 1;
        for (qint64 stride = 1; to < count && bucket.of(x[to]) == c; stride *= 2) {
            from = to + 1;
            to = i + 1 + stride;
        }
        to = std::min<qint64>(to, count);
        const int end = int(std::partition_point(x + from, x + to, [&](double v) { return bucket.of(v) == c; }) - x);
        int lo = -1, hi = -1;
        double loY = std::numeric_limits<double>::infinity(), hiY = -loY;
        for (int k = i; k < end; ++k) {
            // Selects, not branches: on a noisy curve the new extremes come unpredictably.
            const double v = y[k]; // NaN fails both tests
            const bool lower = v < loY, higher = v > hiY;
            loY = lower ? v : loY;
            lo = lower ? k : lo;
            hiY = higher ? v : hiY;
            hi = higher ? k : hi;
        }
        if (lo >= 0 && hi >= 0)
            appendBucket(out, lo, hi, hiY - loY <= flatSpan);
        else if (lo >= 0 || hi >= 0)
            out.append(std::max(lo, hi)); // every value infinite and alike
        i = end;
    }
    return out;
}

double LossPlot::toAxisX(double v) const
{
    if (!m_logX)
        return v;
    return v > 0 ? std::log10(v) : kNaN;
}

double LossPlot::toAxisY(double v) const
{
    if (!m_logY)
        return v;
    return v > 0 ? std::log10(v) : kNaN;
}

void LossPlot::addSeries(const QString &id, const QString &label, const QColor &color)
{
    if (m_index.contains(id)) {
        Series &s = m_series[size_t(m_index.value(id))];
        s.label = label;
        s.color = color;
    } else {
        Series s;
        s.id = id;
        s.label = label;
        s.color = color;
        s.minX = s.minY = std::numeric_limits<double>::infinity();
        s.maxX = s.maxY = -std::numeric_limits<double>::infinity();
        m_index.insert(id, int(m_series.size()));
        m_series.push_back(std::move(s));
    }
    m_layerStale = true; // a legend entry, and maybe a colour, changed
    requestRedraw();
}

void LossPlot::appendPoints(const QString &id, const QVector<MetricPoint> &points)
{
    const auto it = m_index.constFind(id);
    if (it == m_index.constEnd() || points.isEmpty())
        return;
    Series &s = m_series[size_t(*it)];
    const int from = s.loss.size();
    for (const MetricPoint &p : points) {
        if (!std::isfinite(p.loss))
            continue;
        double wall = p.wallSeconds;
        if (std::isfinite(wall)) {
            if (wall < s.lastWall) // a resumed attempt counts its time from zero again
                s.wallOffset += s.lastWall;
            s.lastWall = wall;
            wall += s.wallOffset;
        }
        s.x[0].append(p.step);
        s.x[1].append(p.tokens);
        s.x[2].append(p.flops);
        s.x[3].append(wall);
        s.loss.append(p.loss);
        s.emaSum = m_smoothing * s.emaSum + (1 - m_smoothing) * p.loss;
        ++s.emaCount;
        const double debias = 1 - std::pow(m_smoothing, s.emaCount);
        s.smooth.append(debias > 0 ? s.emaSum / debias : p.loss);
    }
    appendAxes(s, from);
    ++s.revision;
    requestRedraw();
}

void LossPlot::clearPoints(const QString &id)
{
    const auto it = m_index.constFind(id);
    if (it == m_index.constEnd())
        return;
    Series &s = m_series[size_t(*it)];
    for (auto &x : s.x)
        x.clear();
    s.loss.clear();
    s.smooth.clear();
    s.emaSum = 0;
    s.emaCount = 0;
    s.wallOffset = s.lastWall = 0;
    rebuildAxes(s);
    ++s.revision;
    requestRedraw();
}

void LossPlot::removeAllSeries()
{
    m_series.clear();
    m_index.clear();
    m_legendScroll = 0;
    m_autoView = true;
    m_layerStale = true;
    requestRedraw();
}

int LossPlot::pointCount(const QString &id) const
{
    const auto it = m_index.constFind(id);
    return it == m_index.constEnd() ? 0 : m_series[size_t(*it)].loss.size();
}

void LossPlot::setSeriesVisible(const QString &id, bool visible)
{
    const auto it = m_index.constFind(id);
    if (it == m_index.constEnd() || m_series[size_t(*it)].visible == visible)
        return;
    m_series[size_t(*it)].visible = visible;
    Q_EMIT seriesVisibilityChanged(id, visible);
    update();
}

bool LossPlot::isSeriesVisible(const QString &id) const
{
    const auto it = m_index.constFind(id);
    return it != m_index.constEnd() && m_series[size_t(*it)].visible;
}

void LossPlot::rebuildSmoothing(Series &s) const
{
    s.smooth = ema(s.loss, m_smoothing);
    s.emaSum = 0;
    s.emaCount = 0;
    for (double v : s.loss) {
        s.emaSum = m_smoothing * s.emaSum + (1 - m_smoothing) * v;
        ++s.emaCount;
    }
}

void LossPlot::rebuildAxes(Series &s) const
{
    s.ax.clear();
    s.ay.clear();
    s.ays.clear();
    s.minX = s.minY = std::numeric_limits<double>::infinity();
    s.maxX = s.maxY = -std::numeric_limits<double>::infinity();
    s.monotonic = true;
    appendAxes(s, 0);
}

void LossPlot::appendAxes(Series &s, int from) const
{
    const QVector<double> &xs = s.x[int(m_xAxis)];
    double prev = s.ax.isEmpty() ? -std::numeric_limits<double>::infinity() : s.ax.last();
    for (int i = from; i < s.loss.size(); ++i) {
        const double ax = toAxisX(xs[i]), ay = toAxisY(s.loss[i]);
        s.ax.append(ax);
        s.ay.append(ay);
        s.ays.append(toAxisY(s.smooth[i]));
        if (std::isnan(ax)) {
            // Only a log axis's leading x ≤ 0 keep the series sorted (they are skipped there).
            if (prev > -std::numeric_limits<double>::infinity())
                s.monotonic = false;
            continue;
        }
        if (ax < prev)
            s.monotonic = false;
        prev = ax;
        if (std::isnan(ay))
            continue;
        s.minX = std::min(s.minX, ax);
        s.maxX = std::max(s.maxX, ax);
        s.minY = std::min(s.minY, ay);
        s.maxY = std::max(s.maxY, ay);
    }
}

void LossPlot::setSmoothing(double weight)
{
    weight = std::clamp(weight, 0.0, 0.999);
    if (weight == m_smoothing)
        return;
    m_smoothing = weight;
    ++m_stamp;
    for (Series &s : m_series) {
        rebuildSmoothing(s);
        s.ays.resize(s.smooth.size());
        for (int i = 0; i < s.smooth.size(); ++i)
            s.ays[i] = toAxisY(s.smooth[i]);
    }
    requestRedraw();
}

void LossPlot::setLogX(bool on)
{
    if (on == m_logX)
        return;
    m_logX = on;
    ++m_stamp;
    for (Series &s : m_series)
        rebuildAxes(s);
    resetView();
}

void LossPlot::setLogY(bool on)
{
    if (on == m_logY)
        return;
    m_logY = on;
    ++m_stamp;
    for (Series &s : m_series)
        rebuildAxes(s);
    resetView();
}

void LossPlot::setXAxis(XAxis axis)
{
    if (axis == m_xAxis)
        return;
    m_xAxis = axis;
    ++m_stamp;
    for (Series &s : m_series)
        rebuildAxes(s);
    resetView();
}

QString LossPlot::xAxisTitle(XAxis axis)
{
    switch (axis) {
    case XAxis::Step: return QStringLiteral("step");
    case XAxis::Tokens: return QStringLiteral("tokens");
    case XAxis::Flops: return QStringLiteral("FLOPs");
    case XAxis::WallTime: return QStringLiteral("wall time (s)");
    }
    return {};
}

QRectF LossPlot::dataRect() const
{
    double x0 = std::numeric_limits<double>::infinity(), x1 = -x0, y0 = x0, y1 = -x0;
    for (const Series &s : m_series) {
        if (!s.visible || s.minX > s.maxX)
            continue;
        x0 = std::min(x0, s.minX);
        x1 = std::max(x1, s.maxX);
        y0 = std::min(y0, s.minY);
        y1 = std::max(y1, s.maxY);
    }
    if (!(x1 >= x0))
        return {};
    return QRectF(x0, y0, x1 - x0, y1 - y0);
}

// A round step of about a twelfth of `span` (1, 2 or 5 × 10^k).
static double roundStep(double span)
{
    const double raw = span / 12.0;
    const double mag = std::pow(10.0, std::floor(std::log10(raw)));
    for (double m : {1.0, 2.0, 5.0}) {
        if (m * mag >= raw)
            return m * mag;
    }
    return 10 * mag;
}

QRectF LossPlot::currentView() const
{
    if (!m_autoView)
        return m_view;
    const QRectF d = dataRect();
    if (d.isNull() && d.x() == 0 && d.y() == 0)
        return QRectF(0, 0, 1, 1);
    double x0 = d.left(), x1 = d.right(), y0 = d.top(), y1 = d.bottom();
    if (!(x1 > x0)) {
        x0 -= 0.5 * std::max(1e-9, std::abs(x0));
        x1 += 0.5 * std::max(1e-9, std::abs(x1));
    }
    if (!(y1 > y0)) {
        y0 -= 0.05 * std::max(1e-9, std::abs(y0));
        y1 += 0.05 * std::max(1e-9, std::abs(y1));
    }
    // Bounds snap outwards to round steps, so that the view (and with it the cached drawing)
    // changes only now and then while curves grow, not on every new point.
    const double sx = roundStep(x1 - x0), sy = roundStep(y1 - y0);
    const double padY = 0.02 * (y1 - y0);
    x0 = std::floor(x0 / sx) * sx;
    x1 = std::ceil(x1 / sx) * sx;
    y0 = std::floor((y0 - padY) / sy) * sy;
    y1 = std::ceil((y1 + padY) / sy) * sy;
    return QRectF(x0, y0, x1 - x0, y1 - y0);
}

QRectF LossPlot::viewRect() const { return currentView(); }

void LossPlot::zoomTo(const QRectF &axisRect)
{
    if (!(axisRect.width() > 0) || !(axisRect.height() > 0))
        return;
    m_view = axisRect;
    m_autoView = false;
    Q_EMIT viewChanged();
    update();
}

void LossPlot::resetView()
{
    m_autoView = true;
    Q_EMIT viewChanged();
    update();
}

QVector<double> LossPlot::smoothedLoss(const QString &id) const
{
    const auto it = m_index.constFind(id);
    return it == m_index.constEnd() ? QVector<double>() : m_series[size_t(*it)].smooth;
}

QVector<QPointF> LossPlot::axisPoints(const QString &id) const
{
    QVector<QPointF> out;
    const auto it = m_index.constFind(id);
    if (it == m_index.constEnd())
        return out;
    const Series &s = m_series[size_t(*it)];
    for (int i = 0; i < s.ax.size(); ++i)
        out.append(QPointF(s.ax[i], s.ay[i]));
    return out;
}

LossPlot::Layout LossPlot::layoutIn(const QRect &r) const
{
    const QFontMetrics fm(font());
    const int left = fm.horizontalAdvance(QStringLiteral("8.888e-88")) + 14;
    const int bottom = 2 * fm.height() + 12;
    Layout l;
    l.legend = QRect(r.right() - kLegendWidth + 1, r.top() + 8, kLegendWidth - 8, r.height() - 16);
    l.plot = QRect(QPoint(r.left() + left, r.top() + 10),
                   QPoint(l.legend.left() - 12, r.bottom() - bottom));
    return l;
}

void LossPlot::drawCurve(QPainter &p, const Series &s, int which, const QRect &plot, const QRectF &view,
                         const QPen &pen) const
{
    const Series::Pixels &cache = updatePixels(s, which, plot, view);
    if (cache.points.isEmpty())
        return;
    p.setPen(pen);
    if (cache.points.size() == 1)
        p.drawPoint(cache.points[0]);
    else
        p.drawPolyline(cache.points.constData(), int(cache.points.size()));
}

const LossPlot::Series::Pixels &LossPlot::updatePixels(const Series &s, int which, const QRect &plot,
                                                       const QRectF &view) const
{
    Series::Pixels &cache = s.pixels[which];
    if (cache.revision != s.revision || cache.stamp != m_stamp || cache.view != view || cache.plot != plot) {
        cache.revision = s.revision;
        cache.stamp = m_stamp;
        cache.view = view;
        cache.plot = plot;
        cache.points.clear();
        const QVector<double> &ys = which == 0 || m_smoothing <= 0 ? s.ay : s.ays;
        int lo = 0, hi = s.ax.size();
        if (s.monotonic && hi > 0) {
            // Visible range by bisection (NaN x only occurs where a log axis drops x ≤ 0, at the start).
            const double *b = s.ax.constData();
            int firstFinite = 0;
            while (firstFinite < hi && std::isnan(b[firstFinite]))
                ++firstFinite;
            lo = int(std::lower_bound(b + firstFinite, b + hi, view.left()) - b);
            hi = int(std::upper_bound(b + firstFinite, b + hi, view.right()) - b);
            lo = std::max(firstFinite, lo - 1);
            hi = std::min(int(s.ax.size()), hi + 1);
        }
        if (hi - lo > 0) {
            // Columns whose points lie within one pixel row are drawn as one point.
            const auto reduce = s.monotonic ? minMaxDownsampleSorted : minMaxDownsample;
            const QVector<int> keep = reduce(s.ax.constData() + lo, ys.constData() + lo, hi - lo,
                                                       view.left(), view.right(), plot.width(),
                                                       view.height() / plot.height());
            const double sx = plot.width() / view.width(), sy = plot.height() / view.height();
            cache.points.reserve(keep.size());
            for (int k : keep) {
                const int i = k + lo;
                cache.points.append(QPointF(plot.left() + (s.ax[i] - view.left()) * sx,
                                            plot.bottom() - (ys[i] - view.top()) * sy));
            }
        }
    }
    return cache;
}

void LossPlot::paintPlot(QPainter &p, const QRect &r, bool interactive, bool withCurves) const
{
    const Layout l = layoutIn(r);
    const QRect plot = l.plot;
    const QRectF view = currentView();
    const QPalette pal = palette();
    p.fillRect(r, pal.color(QPalette::Base));
    const QColor fg = pal.color(QPalette::Text);
    QColor grid = fg;
    grid.setAlphaF(0.12);
    const QFontMetrics fm(p.fontMetrics());

    // Grid and tick labels.
    p.setRenderHint(QPainter::Antialiasing, false);
    const double sx = plot.width() / view.width(), sy = plot.height() / view.height();
    for (double t : ticks(view.left(), view.right(), m_logX)) {
        const int x = int(std::lround(plot.left() + (t - view.left()) * sx));
        // Grid lines as one-pixel rectangles: filled spans, several times faster than a
        // translucent pen's line.
        p.fillRect(QRect(x, plot.top(), 1, plot.height()), grid);
        p.setPen(fg);
        const QString label = formatNumber(m_logX ? std::pow(10.0, t) : t);
        const int w = fm.horizontalAdvance(label);
        p.drawText(x - w / 2, plot.bottom() + fm.ascent() + 4, label);
    }
    for (double t : ticks(view.top(), view.bottom(), m_logY)) {
        const int y = int(std::lround(plot.bottom() - (t - view.top()) * sy));
        p.fillRect(QRect(plot.left(), y, plot.width(), 1), grid);
        p.setPen(fg);
        const QString label = formatNumber(m_logY ? std::pow(10.0, t) : t);
        p.drawText(plot.left() - fm.horizontalAdvance(label) - 5, y + fm.ascent() / 2 - 1, label);
    }
    p.setPen(fg);
    p.drawRect(plot.adjusted(0, 0, -1, -1));
    const QString xTitle = xAxisTitle(m_xAxis) + (m_logX ? QStringLiteral(" (log)") : QString());
    p.drawText(QRect(plot.left(), plot.bottom() + fm.height() + 6, plot.width(), fm.height()),
               Qt::AlignHCenter, xTitle);
    p.save();
    p.translate(r.left() + fm.height() - 2, plot.center().y());
    p.rotate(-90);
    p.drawText(QRect(-100, -fm.height(), 200, fm.height() + 2), Qt::AlignCenter,
               m_logY ? QStringLiteral("loss (log)") : QStringLiteral("loss"));
    p.restore();

    if (withCurves)
        paintCurves(p, plot, view, nullptr, false);

    // Legend: one row per run; a hidden run is drawn struck through.
    p.save();
    p.setClipRect(l.legend);
    p.setRenderHint(QPainter::Antialiasing, false);
    for (int i = 0; i < int(m_series.size()); ++i) {
        const Series &s = m_series[size_t(i)];
        const int y = l.legend.top() + i * kLegendRow - (interactive ? m_legendScroll : 0);
        if (y + kLegendRow < l.legend.top() || y > l.legend.bottom())
            continue;
        QColor c = s.color;
        QColor text = fg;
        if (!s.visible) {
            c.setAlphaF(0.2);
            text.setAlphaF(0.4);
        }
        p.fillRect(QRect(l.legend.left(), y + 4, 14, 8), c);
        p.setPen(text);
        const QString label = fm.elidedText(s.label, Qt::ElideMiddle, l.legend.width() - 20);
        p.drawText(l.legend.left() + 19, y + fm.ascent() + (kLegendRow - fm.height()) / 2, label);
        if (!s.visible) {
            const int mid = y + kLegendRow / 2;
            p.drawLine(l.legend.left() + 19, mid, l.legend.left() + 19 + fm.horizontalAdvance(label), mid);
        }
    }
    p.restore();
}

QVector<int> LossPlot::runsToDraw(const QVector<bool> *select, bool selected) const
{
    QVector<int> runs;
    for (int i = 0; i < int(m_series.size()); ++i) {
        const Series &s = m_series[size_t(i)];
        if (s.visible && !s.ax.isEmpty() && (!select || select->value(i) == selected))
            runs << i;
    }
    return runs;
}

void LossPlot::reduceCurves(const QVector<int> &runs, const QRect &plot, const QRectF &view) const
{
    // On all cores; each curve writes only its own cache.
    const bool smoothing = m_smoothing > 0;
    if (!runs.isEmpty()) {
        QtConcurrent::blockingMap(runs, [&](int i) {
            const Series &s = m_series[size_t(i)];
            if (smoothing)
                updatePixels(s, 0, plot, view);
            updatePixels(s, 1, plot, view);
        });
    }
}

void LossPlot::rasterCurves(QImage &image, const QVector<int> &runs, const QRect &plot, const QRectF &view,
                            qreal dpr) const
{
    if (image.size() != plot.size() * dpr)
        image = QImage(plot.size() * dpr, QImage::Format_ARGB32_Premultiplied);
    image.setDevicePixelRatio(1);
    image.fill(Qt::transparent);
    const bool monotonic = std::all_of(runs.begin(), runs.end(), [&](int i) { return m_series[size_t(i)].monotonic; });
    if (!monotonic) {
        QPainter p(&image);
        p.scale(dpr, dpr);
        p.translate(-plot.topLeft());
        strokeCurves(p, runs, plot, view);
        p.end();
        image.setDevicePixelRatio(dpr);
        return;
    }
    // One strip of columns per core, each drawing every curve, the raw one faded behind the
    // smoothed one.
    const bool smoothing = m_smoothing > 0;
    const int inset = int(std::ceil(dpr));
    const QRect inner(QPoint(inset, inset), QPoint(image.width() - 1 - inset, image.height() - 1 - inset));
    const int strips = std::clamp(QThreadPool::globalInstance()->maxThreadCount(), 1, 16);
    QVector<QRect> clips;
    for (int k = 0; k < strips; ++k) {
        const int l = inner.left() + inner.width() * k / strips, r = inner.left() + inner.width() * (k + 1) / strips;
        clips << QRect(l, inner.top(), r - l, inner.height());
    }
    uchar *const bits = image.bits();
    const qsizetype stride = image.bytesPerLine();
    QtConcurrent::blockingMap(clips, [&](const QRect &clip) {
        ColumnRasterizer raster(bits, stride, image.size(), clip, plot.topLeft(), dpr);
        for (int i : runs) {
            const Series &s = m_series[size_t(i)];
            for (int which = smoothing ? 0 : 1; which < 2; ++which) {
                const QVector<QPointF> &points = s.pixels[which].points;
                QColor c = s.color;
                if (which == 0)
                    c.setAlphaF(0.25);
                raster.drawPolyline(points.constData(), int(points.size()), c);
            }
        }
    });
    image.setDevicePixelRatio(dpr);
}

void LossPlot::strokeCurves(QPainter &p, const QVector<int> &runs, const QRect &plot, const QRectF &view) const
{
    const bool smoothing = m_smoothing > 0;
    p.save();
    p.setClipRect(plot.adjusted(1, 1, -1, -1));
    for (int i : runs) {
        const Series &s = m_series[size_t(i)];
        QColor faded = s.color;
        if (smoothing) {
            faded.setAlphaF(0.25);
            p.setRenderHint(QPainter::Antialiasing, false);
            drawCurve(p, s, 0, plot, view, QPen(faded, 1));
        }
        // A 1-pixel pen keeps Qt on its fast cosmetic stroker; wider ones are far slower.
        p.setRenderHint(QPainter::Antialiasing, true);
        drawCurve(p, s, 1, plot, view, QPen(s.color, 1.0));
    }
    p.restore();
}

void LossPlot::paintCurves(QPainter &p, const QRect &plot, const QRectF &view, const QVector<bool> *select,
                           bool selected) const
{
    const QVector<int> runs = runsToDraw(select, selected);
    if (runs.isEmpty() || plot.isEmpty())
        return;
    reduceCurves(runs, plot, view);
    if (paintsPixels(p)) {
        // Into a transparent image of the plot area at the device's resolution, then over the
        // frame: the same pixels as drawing each curve onto the frame, since "over" is associative.
        // The image is kept: a new one of this size costs page faults on every redraw.
        rasterCurves(m_curveImage, runs, plot, view, p.device()->devicePixelRatioF());
        p.drawImage(plot.topLeft(), m_curveImage);
        return;
    }
    strokeCurves(p, runs, plot, view); // vectors (SVG, PDF)
}

void LossPlot::paintOverlay(QPainter &p, const QRect &plot) const
{
    const QPalette pal = palette();
    const QFontMetrics fm(p.fontMetrics());
    if (m_dragging) {
        QColor band = pal.color(QPalette::Highlight);
        p.setPen(band);
        band.setAlphaF(0.15);
        p.setBrush(band);
        p.drawRect(QRect(m_pressPos, m_dragPos).normalized());
        p.setBrush(Qt::NoBrush);
    }
    const Readout hover = nearestPoint(m_hoverPos);
    if (hover.valid) {
        const Series &s = m_series[size_t(m_index.value(hover.id))];
        p.setRenderHint(QPainter::Antialiasing, true);
        p.setPen(QPen(s.color, 2));
        p.setBrush(pal.color(QPalette::Base));
        p.drawEllipse(hover.position, 4, 4);
        const QString text = QStringLiteral("%1\n%2: %3\nloss %4   smoothed %5")
                                 .arg(s.label, xAxisTitle(m_xAxis), formatNumber(hover.x))
                                 .arg(hover.loss, 0, 'f', 4)
                                 .arg(hover.smoothed, 0, 'f', 4);
        const QRect box = fm.boundingRect(QRect(0, 0, 400, 100), Qt::AlignLeft, text).adjusted(-6, -4, 6, 4);
        QRect placed = box.translated(hover.position.toPoint() + QPoint(12, 12) - box.topLeft());
        if (placed.right() > plot.right())
            placed.moveRight(int(hover.position.x()) - 12);
        if (placed.bottom() > plot.bottom())
            placed.moveBottom(int(hover.position.y()) - 12);
        QColor bg = pal.color(QPalette::ToolTipBase);
        bg.setAlphaF(0.92);
        p.setPen(pal.color(QPalette::Mid));
        p.setBrush(bg);
        p.drawRect(placed);
        p.setPen(pal.color(QPalette::ToolTipText));
        p.drawText(placed.adjusted(6, 4, -6, -4), Qt::AlignLeft, text);
    }
}

void LossPlot::paintEvent(QPaintEvent *)
{
    QElapsedTimer timer;
    timer.start();
    // The runs whose curves did not change since the last frame are drawn from a cached layer; the
    // ones that change (those training) are drawn over it every frame. Any change of the view,
    // size or settings, or a change to a run baked into the layer, rebuilds the layer.
    const QRect plot = plotArea();
    const qreal dpr = devicePixelRatioF();
    QVector<int> changed;
    for (int i = 0; i < int(m_series.size()); ++i) {
        if (i >= m_layerRevision.size() || m_series[size_t(i)].revision != m_layerRevision[i])
            changed << i;
    }
    QVector<bool> visible;
    for (const Series &s : m_series)
        visible << s.visible;
    const LayerKey key{currentView(), size(), dpr, m_smoothing, m_logX, m_logY, int(m_xAxis), m_legendScroll,
                       visible, palette().color(QPalette::Base).rgba()};
    bool rebuild = m_layer.isNull() || m_layerStale || !(key == m_layerKey) ||
                   m_layerRevision.size() != int(m_series.size());
    // A changed run with nothing of it in the layer (one that starts training) is drawn live from
    // now on, without rebuilding the layer, while few runs are live.
    constexpr int kMaxLive = 8;
    int live = int(std::count(m_layerLive.begin(), m_layerLive.end(), true));
    for (int i : changed) {
        if (rebuild || m_layerLive.value(i))
            continue;
        if (!m_layerInked.value(i) && live < kMaxLive) {
            m_layerLive[i] = true;
            ++live;
            continue;
        }
        rebuild = true;
    }
    if (rebuild) {
        const bool settingsChanged = m_layerStale || !(key == m_layerKey);
        m_layerLive = QVector<bool>(int(m_series.size()), false);
        if (!settingsChanged && changed.size() <= kMaxLive) {
            for (int i : changed)
                m_layerLive[i] = true;
        }
        m_layerInked.resize(int(m_series.size()));
        for (int i = 0; i < int(m_series.size()); ++i) {
            const Series &s = m_series[size_t(i)];
            m_layerInked[i] = !m_layerLive[i] && s.visible && !s.ax.isEmpty();
        }
        rebuildLayer(key, settingsChanged || m_background.size() != size() * dpr);
        m_layerStale = false;
        m_layerKey = key;
        m_layerRevision.resize(int(m_series.size()));
        for (int i = 0; i < int(m_series.size()); ++i)
            m_layerRevision[i] = m_series[size_t(i)].revision;
    } else {
        for (int i : changed)
            m_layerRevision[i] = m_series[size_t(i)].revision;
    }
    QPainter p(this);
    p.drawImage(0, 0, m_layer);
    paintCurves(p, plot, key.view, &m_layerLive, true);
    paintOverlay(p, plot);
    const bool empty = std::all_of(m_series.begin(), m_series.end(), [](const Series &s) { return s.loss.isEmpty(); });
    if (empty && !m_placeholder.isEmpty()) {
        p.setPen(palette().color(QPalette::PlaceholderText));
        p.drawText(plot.adjusted(24, 24, -24, -24), Qt::AlignCenter | Qt::TextWordWrap, m_placeholder);
    }
    m_lastPaintMs = timer.nsecsElapsed() / 1e6;
}

void LossPlot::rebuildLayer(const LayerKey &key, bool full)
{
    // The layer is the background (axes, grid, legend) with a few groups of consecutive runs'
    // curves over it, each group in an image of its own: a change to one run (one that restarts)
    // draws its group again, not every curve. In index order, as the curves were drawn.
    const qreal dpr = key.dpr;
    const QRect plot = plotArea();
    const bool noPlot = plot.isEmpty(); // a widget too small for any: axes and legend only
    if (full) {
        if (m_background.size() != size() * dpr)
            m_background = QImage(size() * dpr, QImage::Format_ARGB32_Premultiplied);
        m_background.setDevicePixelRatio(dpr);
        QPainter bp(&m_background);
        bp.setFont(font());
        paintPlot(bp, rect(), true, false);
    }
    const int n = int(m_series.size());
    const int groupCount = n >= 16 ? 4 : 1;
    m_curveGroups.resize(size_t(groupCount));
    QVector<int> dirty, redraw;
    for (int g = 0; g < groupCount; ++g) {
        CurveGroup &group = m_curveGroups[size_t(g)];
        QVector<quint64> signature;
        QVector<int> runs;
        for (int i = n * g / groupCount; i < n * (g + 1) / groupCount; ++i) {
            signature << (m_layerInked[i] ? m_series[size_t(i)].revision : ~quint64(0));
            if (m_layerInked[i])
                runs << i;
        }
        if (noPlot)
            runs.clear();
        if (full || signature != group.signature || group.image.size() != plot.size() * dpr) {
            group.signature = signature;
            group.runs = runs;
            dirty << g;
            redraw << runs;
        }
    }
    reduceCurves(redraw, plot, key.view);
    for (int g : dirty) {
        if (!noPlot)
            rasterCurves(m_curveGroups[size_t(g)].image, m_curveGroups[size_t(g)].runs, plot, key.view, dpr);
    }

    if (m_layer.size() != size() * dpr)
        m_layer = QImage(size() * dpr, QImage::Format_ARGB32_Premultiplied);
    m_layer.setDevicePixelRatio(dpr);
    QPainter lp(&m_layer);
    lp.setCompositionMode(QPainter::CompositionMode_Source);
    lp.drawImage(0, 0, m_background);
    lp.setCompositionMode(QPainter::CompositionMode_SourceOver);
    for (const CurveGroup &group : m_curveGroups) {
        if (!group.runs.isEmpty())
            lp.drawImage(plot.topLeft(), group.image);
    }
}

void LossPlot::setPlaceholderText(const QString &text)
{
    m_placeholder = text;
    update();
}

LossPlot::Readout LossPlot::nearestPoint(const QPoint &pos) const
{
    Readout best;
    const QRect plot = plotArea();
    if (!plot.contains(pos))
        return best;
    const QRectF view = currentView();
    const double sx = plot.width() / view.width(), sy = plot.height() / view.height();
    const double radius = 24;
    const double left = view.left() + (pos.x() - radius - plot.left()) / sx;
    const double right = view.left() + (pos.x() + radius - plot.left()) / sx;
    double bestDistance = radius * radius;
    const bool smoothing = m_smoothing > 0;
    for (const Series &s : m_series) {
        if (!s.visible)
            continue;
        int lo = 0, hi = s.ax.size();
        if (s.monotonic) {
            lo = int(std::lower_bound(s.ax.begin(), s.ax.end(), left) - s.ax.begin());
            hi = int(std::upper_bound(s.ax.begin(), s.ax.end(), right) - s.ax.begin());
        }
        const QVector<double> &ys = smoothing ? s.ays : s.ay;
        for (int i = lo; i < hi; ++i) {
            if (std::isnan(s.ax[i]) || std::isnan(ys[i]))
                continue;
            const double px = plot.left() + (s.ax[i] - view.left()) * sx;
            const double py = plot.bottom() - (ys[i] - view.top()) * sy;
            const double d = (px - pos.x()) * (px - pos.x()) + (py - pos.y()) * (py - pos.y());
            if (d < bestDistance) {
                bestDistance = d;
                best.valid = true;
                best.id = s.id;
                best.x = s.x[int(m_xAxis)][i];
                best.loss = s.loss[i];
                best.smoothed = s.smooth[i];
                best.position = QPointF(px, py);
            }
        }
    }
    return best;
}

QRect LossPlot::legendEntryRect(const QString &id) const
{
    const auto it = m_index.constFind(id);
    if (it == m_index.constEnd())
        return {};
    const QRect legend = layoutIn(rect()).legend;
    return QRect(legend.left(), legend.top() + *it * kLegendRow - m_legendScroll, legend.width(), kLegendRow);
}

int LossPlot::legendIndexAt(const QPoint &pos) const
{
    const QRect legend = layoutIn(rect()).legend;
    if (!legend.contains(pos))
        return -1;
    const int i = (pos.y() - legend.top() + m_legendScroll) / kLegendRow;
    return i >= 0 && i < int(m_series.size()) ? i : -1;
}

void LossPlot::mousePressEvent(QMouseEvent *event)
{
    if (event->button() != Qt::LeftButton)
        return;
    const int entry = legendIndexAt(event->position().toPoint());
    if (entry >= 0) {
        const Series &s = m_series[size_t(entry)];
        setSeriesVisible(s.id, !s.visible);
        return;
    }
    if (plotArea().contains(event->position().toPoint())) {
        m_pressPos = m_dragPos = event->position().toPoint();
        m_dragging = true;
    }
}

void LossPlot::mouseMoveEvent(QMouseEvent *event)
{
    m_hoverPos = event->position().toPoint();
    if (m_dragging)
        m_dragPos = m_hoverPos;
    update();
}

void LossPlot::mouseReleaseEvent(QMouseEvent *event)
{
    if (!m_dragging || event->button() != Qt::LeftButton)
        return;
    m_dragging = false;
    const QRect band = QRect(m_pressPos, event->position().toPoint()).normalized().intersected(plotArea());
    if (band.width() > 4 && band.height() > 4) {
        const QRect plot = plotArea();
        const QRectF view = currentView();
        const double sx = view.width() / plot.width(), sy = view.height() / plot.height();
        zoomTo(QRectF(view.left() + (band.left() - plot.left()) * sx,
                      view.top() + (plot.bottom() - band.bottom()) * sy, band.width() * sx,
                      band.height() * sy));
    }
    update();
}

void LossPlot::mouseDoubleClickEvent(QMouseEvent *event)
{
    if (plotArea().contains(event->position().toPoint()))
        resetView();
}

void LossPlot::wheelEvent(QWheelEvent *event)
{
    const QPoint pos = event->position().toPoint();
    const double steps = event->angleDelta().y() / 120.0;
    if (layoutIn(rect()).legend.contains(pos)) {
        const int maxScroll = std::max(0, int(m_series.size()) * kLegendRow - layoutIn(rect()).legend.height());
        m_legendScroll = std::clamp(m_legendScroll - int(steps * 3 * kLegendRow), 0, maxScroll);
        update();
        return;
    }
    const QRect plot = plotArea();
    if (!plot.contains(pos) || steps == 0)
        return;
    const QRectF view = currentView();
    const double factor = std::pow(0.8, steps);
    const double cx = view.left() + (pos.x() - plot.left()) * view.width() / plot.width();
    const double cy = view.top() + (plot.bottom() - pos.y()) * view.height() / plot.height();
    zoomTo(QRectF(cx - (cx - view.left()) * factor, cy - (cy - view.top()) * factor,
                  view.width() * factor, view.height() * factor));
}

void LossPlot::leaveEvent(QEvent *)
{
    m_hoverPos = QPoint(-1, -1);
    update();
}

void LossPlot::exportCsv(const QString &path) const
{
    QByteArray out("run,step,tokens,flops,wall_seconds,loss,loss_smoothed\n");
    auto num = [](double v) { return std::isfinite(v) ? QByteArray::number(v, 'g', 10) : QByteArray(); };
    for (const Series &s : m_series) {
        const QByteArray id = s.id.toUtf8();
        for (int i = 0; i < s.loss.size(); ++i) {
            out += id + ',' + num(s.x[0][i]) + ',' + num(s.x[1][i]) + ',' + num(s.x[2][i]) + ',' +
                   num(s.x[3][i]) + ',' + num(s.loss[i]) + ',' + num(s.smooth[i]) + '\n';
        }
    }
    writeFileAtomically(path, out);
}

void LossPlot::exportImage(const QString &path, QSize size) const
{
    const QString suffix = QFileInfo(path).suffix().toLower();
    const QRect r(QPoint(0, 0), size);
    if (suffix == QLatin1String("svg")) {
        QSvgGenerator svg;
        svg.setFileName(path);
        svg.setSize(size);
        svg.setViewBox(r);
        svg.setTitle(QStringLiteral("Training loss"));
        QPainter p;
        if (!p.begin(&svg))
            throw InputError(QStringLiteral("%1: cannot write the SVG").arg(path));
        p.setFont(font());
        paintPlot(p, r, false);
        p.end();
        return;
    }
    if (suffix != QLatin1String("png"))
        throw InputError(QStringLiteral("%1: unknown image type '%2' (use .png or .svg)").arg(path, suffix));
    QImage image(size, QImage::Format_ARGB32_Premultiplied);
    {
        QPainter p(&image);
        p.setFont(font());
        paintPlot(p, r, false);
    }
    if (!image.save(path, "PNG"))
        throw InputError(QStringLiteral("%1: cannot write the PNG").arg(path));
}

} // namespace flopsfit::ui
