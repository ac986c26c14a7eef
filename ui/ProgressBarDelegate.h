#pragma once
#include <QStyledItemDelegate>

namespace flopsfit::ui {

// Draws a progress bar in a table cell from the index's RunsTableModel::ProgressRole (0..1).
class ProgressBarDelegate : public QStyledItemDelegate {
    Q_OBJECT

public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override;
};

} // namespace flopsfit::ui
