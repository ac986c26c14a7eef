#pragma once
#include "train/RunMetrics.h"

#include <QColor>
#include <QHash>
#include <QImage>
#include <QPoint>
#include <QRect>
#include <QTimer>
#include <QWidget>

#include <vector>

namespace flopsfit::ui {

// Live training curves of many runs. Stays fast with long series: each curve is reduced to the
// lowest and highest point of every pixel column and drawn a column at a time straight into an
// image (QPainter only for SVG), unchanged curves come from cached images, and redraws are
// coalesced on a short single-shot timer, never one per sample.
// EMA smoothing (the raw curve faded behind), log axes, four x quantities, hover readout of the
// nearest point, a clickable legend that hides and shows runs, zoom by drag or wheel
// (double-click resets), and export to CSV, PNG and SVG.
class LossPlot : public QWidget {
    Q_OBJECT

public:
    enum class XAxis { Step, Tokens, Flops, WallTime };

    explicit LossPlot(QWidget *parent = nullptr);

    // Series are runs, drawn in the order they were added.
    void addSeries(const QString &id, const QString &label, const QColor &color);
    bool hasSeries(const QString &id) const { return m_index.contains(id); }
    void appendPoints(const QString &id, const QVector<MetricPoint> &points);
    void clearPoints(const QString &id); // the run starts over
    void removeAllSeries();
    int seriesCount() const { return int(m_series.size()); }
    int pointCount(const QString &id) const;
    void setSeriesVisible(const QString &id, bool visible);
    bool isSeriesVisible(const QString &id) const;
    // Drawn in the middle of the plot while no run has a point (not in exported images).
    void setPlaceholderText(const QString &text);

    // EMA weight in [0, 0.999], as TensorBoard's slider: 0 draws the raw curves only.
    void setSmoothing(double weight);
    double smoothing() const { return m_smoothing; }
    void setLogX(bool on);
    void setLogY(bool on);
    bool logX() const { return m_logX; }
    bool logY() const { return m_logY; }
    void setXAxis(XAxis axis);
    XAxis xAxis() const { return m_xAxis; }
    static QString xAxisTitle(XAxis axis);

    // The visible range in axis coordinates (log10 of the value on a log axis). Follows the data
    // until the user zooms; resetView() follows the data again.
    QRectF viewRect() const;
    QRectF dataRect() const; // the visible runs' points, in axis coordinates
    bool followsData() const { return m_autoView; }
    void zoomTo(const QRectF &axisRect);
    void resetView();

    // The smoothed values of a run (debiased EMA of its loss) and its points in axis
    // coordinates: a point a log axis cannot show (value ≤ 0) is NaN there and never drawn.
    QVector<double> smoothedLoss(const QString &id) const;
    QVector<QPointF> axisPoints(const QString &id) const;

    struct Readout {
        bool valid = false;
        QString id;
        double x = 0, loss = 0, smoothed = 0; // in data units
        QPointF position;                       // in widget pixels
    };
    Readout nearestPoint(const QPoint &pos) const;

    QRect plotArea() const { return plotAreaIn(rect()); }
    QRect legendEntryRect(const QString &id) const;
    double lastPaintMilliseconds() const { return m_lastPaintMs; }
    int redrawIntervalMs() const { return m_redraw.interval(); }

    // One row per point of every run: run, step, tokens, flops, wall_seconds, loss, smoothed.
    void exportCsv(const QString &path) const;        // throws InputError
    void exportImage(const QString &path, QSize size = {1600, 1000}) const; // .png or .svg

    // The debiased exponential moving average TensorBoard draws:
    // s_i = w·s_{i-1} + (1-w)·v_i from s_0 = 0, shown as s_i / (1 - w^i). NaN values are skipped.
    static QVector<double> ema(const QVector<double> &values, double weight);
    // Indices of the points to draw for one pixel column each of `columns` over [x0, x1]:
    // per column the lowest and the highest point, in index order. Points left or right of the
    // range share one bucket per side; points whose x or y is NaN are left out. A bucket whose y
    // values span no more than `flatSpan` (e.g. one pixel) keeps one point.
    static QVector<int> minMaxDownsample(const double *x, const double *y, int count, double x0,
                                         double x1, int columns, double flatSpan = -1);
    // The same for x sorted ascending and never NaN, several times faster on long series.
    static QVector<int> minMaxDownsampleSorted(const double *x, const double *y, int count, double x0,
                                               double x1, int columns, double flatSpan = -1);

Q_SIGNALS:
    void seriesVisibilityChanged(const QString &id, bool visible);
    void viewChanged();

protected:
    void paintEvent(QPaintEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;
    void mouseDoubleClickEvent(QMouseEvent *event) override;
    void wheelEvent(QWheelEvent *event) override;
    void leaveEvent(QEvent *event) override;

private:
    struct Series {
        QString id, label;
        QColor color;
        bool visible = true;
        QVector<double> x[4];   // step, tokens, flops, wall seconds (cumulative over attempts)
        QVector<double> loss, smooth;
        double emaSum = 0;      // the EMA's running state
        int emaCount = 0;
        double wallOffset = 0, lastWall = 0;
        // Axis coordinates for the current settings.
        QVector<double> ax, ay, ays;
        double minX = 0, maxX = 0, minY = 0, maxY = 0; // of ax, ay; minX > maxX when empty
        bool monotonic = true;  // ax never decreases: the visible range is found by bisection
        quint64 revision = 0;   // bumped whenever its points change
        // The pixels last drawn for the faded raw curve [0] and the main curve [1], reused while
        // the points, the view and the settings stay the same.
        struct Pixels {
            QRectF view;
            QRect plot;
            quint64 revision = ~quint64(0), stamp = ~quint64(0);
            QVector<QPointF> points;
        };
        mutable Pixels pixels[2];
    };
    struct LayerKey {
        QRectF view;
        QSize size;
        qreal dpr = 1;
        double smoothing = 0;
        bool logX = false, logY = false;
        int xAxis = 0, legendScroll = 0;
        QVector<bool> visible;
        QRgb base = 0;
        bool operator==(const LayerKey &o) const
        {
            return view == o.view && size == o.size && dpr == o.dpr && smoothing == o.smoothing &&
                   logX == o.logX && logY == o.logY && xAxis == o.xAxis && legendScroll == o.legendScroll &&
                   visible == o.visible && base == o.base;
        }
    };
    struct Layout {
        QRect plot, legend;
    };

    void requestRedraw();
    void rebuildSmoothing(Series &s) const;
    void rebuildAxes(Series &s) const;
    void appendAxes(Series &s, int from) const;
    double toAxisX(double v) const;
    double toAxisY(double v) const;
    Layout layoutIn(const QRect &r) const;
    QRect plotAreaIn(const QRect &r) const { return layoutIn(r).plot; }
    QRectF currentView() const;
    // Everything but the hover readout; `skip` leaves out the runs it marks.
    void paintPlot(QPainter &p, const QRect &r, bool interactive, bool withCurves = true) const;
    // The curves of the runs whose `select` entry equals `selected` (all when select is null).
    void paintCurves(QPainter &p, const QRect &plot, const QRectF &view, const QVector<bool> *select,
                     bool selected) const;
    void paintOverlay(QPainter &p, const QRect &plot) const;
    // The visible runs with points whose `select` entry equals `selected` (all when select is null).
    QVector<int> runsToDraw(const QVector<bool> *select, bool selected) const;
    // The runs' curves reduced to pixels for this view (cached per curve).
    void reduceCurves(const QVector<int> &runs, const QRect &plot, const QRectF &view) const;
    // The runs' reduced curves drawn into `image` (cleared first), which covers `plot` at `dpr`.
    void rasterCurves(QImage &image, const QVector<int> &runs, const QRect &plot, const QRectF &view, qreal dpr) const;
    // The runs' reduced curves through QPainter's stroker (vector output, or x going back).
    void strokeCurves(QPainter &p, const QVector<int> &runs, const QRect &plot, const QRectF &view) const;
    void rebuildLayer(const LayerKey &key, bool full);
    // which: 0 the raw loss, 1 the smoothed one (the raw one without smoothing).
    void drawCurve(QPainter &p, const Series &s, int which, const QRect &plot, const QRectF &view,
                   const QPen &pen) const;
    const Series::Pixels &updatePixels(const Series &s, int which, const QRect &plot, const QRectF &view) const;
    int legendIndexAt(const QPoint &pos) const;

    std::vector<Series> m_series;
    QHash<QString, int> m_index;
    double m_smoothing = 0.6;
    bool m_logX = false, m_logY = false;
    QString m_placeholder;
    XAxis m_xAxis = XAxis::Step;
    bool m_autoView = true;
    quint64 m_stamp = 0; // bumped when the axis coordinates or the smoothing change
    QRectF m_view; // x, y, width, height in axis coordinates (y upwards)
    QTimer m_redraw;
    double m_lastPaintMs = 0;
    int m_legendScroll = 0;
    QPoint m_pressPos, m_dragPos;
    bool m_dragging = false;
    QPoint m_hoverPos{-1, -1};
    // The frame without the runs that are changing, and what it was drawn from.
    QImage m_layer;
    LayerKey m_layerKey;
    QVector<quint64> m_layerRevision;
    QVector<bool> m_layerLive; // runs left out of the layer, drawn over it every frame
    QVector<bool> m_layerInked; // runs whose curve is in the layer's pixels
    bool m_layerStale = true;   // runs were added or removed, or their labels or colours changed
    mutable QImage m_curveImage; // the curves of one paintCurves() call, before they go onto the frame
    QImage m_background;         // the layer without curves: axes, grid, legend
    struct CurveGroup {
        QVector<quint64> signature; // its runs' revisions (~0 for a run not in the layer)
        QVector<int> runs;          // the runs drawn in `image`
        QImage image;               // their curves over the plot area, transparent elsewhere
    };
    std::vector<CurveGroup> m_curveGroups;
};

} // namespace flopsfit::ui
