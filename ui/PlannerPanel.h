#pragma once
#include "plan/SweepPlan.h"

#include <QHash>
#include <QJsonObject>
#include <QString>
#include <QWidget>

class QChart;
class QComboBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QTableWidget;
class QTimer;

namespace flopsfit::ui {

class DataPreparer;

// The sweep planner: a form with every key of the sweep configuration (plan/SweepConfig.h),
// validated by core as the form changes (the messages are the ones the batch CLI prints), a
// preset picker, a live preview of the runs (table and (C, N) chart) with total FLOPs and the
// wall-time estimate, and the data picker that prepares a corpus with flopsfit-tokenize.
class PlannerPanel : public QWidget {
    Q_OBJECT
public:
    explicit PlannerPanel(QWidget *parent = nullptr);

    // The study the plan is saved into; loads its sweep.json into the form when it has one.
    void setStudyDir(const QString &studyDir);
    QString studyDir() const { return m_studyDir; }

    // Loads a shipped preset by name or a preset file into the form. Returns false (and shows
    // the message) when the preset cannot be read.
    bool loadPreset(const QString &preset);
    // Fills the form from a configuration (missing keys take their defaults).
    void setConfig(const QJsonObject &config, const QString &origin);

    // The form's text for a dotted key, and setting it as a user would.
    QString fieldText(const QString &key) const;
    void setFieldText(const QString &key, const QString &text);
    QStringList fieldKeys() const { return m_keyOrder; }
    // The inline message under a field ("" when the field is fine).
    QString fieldError(const QString &key) const;

    // Validates the form now (it otherwise runs shortly after each edit).
    void validateNow();
    bool isValid() const { return m_valid; }
    QString errorText() const { return m_error; }
    const SweepPlan &plan() const { return m_plan; }
    int previewRowCount() const;

    // Writes <study>/sweep.json through core. Returns false with a message when the form is
    // invalid or no study is open.
    bool savePlan(QString *error = nullptr);
    // Save plan as the button does it: asks for a study folder first when none is open.
    void savePlanInteractively();

    DataPreparer *dataPreparer() const { return m_preparer; }
    // Prepares the data the form's data section asks for into <study>/data.
    void prepareData();

Q_SIGNALS:
    void planChanged();                   // the form holds a new valid plan
    void planSaved(const QString &path);
    void studyFolderChosen(const QString &studyDir); // after an interactive save
    void statusMessage(const QString &message);

protected:
    void changeEvent(QEvent *event) override;

private:
    struct Field {
        QString key;
        QJsonValue::Type type = QJsonValue::Null;
        QWidget *editor = nullptr;
        QLabel *error = nullptr;
    };

    QWidget *buildForm();
    QWidget *buildPreview();
    void addField(QFormLayout *layout, const QString &key, const QJsonValue &defaultValue);
    QJsonObject formConfig(); // throws InputError on a field that does not parse
    void scheduleValidation();
    void showErrors(const QString &message);
    void updatePreview();
    void updateDataPicker();
    QString fieldOfMessage(const QString &message) const;

    QString m_studyDir;
    QString m_origin = QStringLiteral("sweep settings");
    QHash<QString, Field> m_fields;
    QStringList m_keyOrder;
    QComboBox *m_presetBox = nullptr;
    QLabel *m_message = nullptr;
    QLabel *m_totals = nullptr;
    QTableWidget *m_table = nullptr;
    QChart *m_chart = nullptr;
    QTimer *m_validateTimer = nullptr;
    QPushButton *m_saveButton = nullptr;
    QPushButton *m_prepareButton = nullptr;
    QPushButton *m_cancelDataButton = nullptr;
    QProgressBar *m_dataProgress = nullptr;
    QLabel *m_dataStatus = nullptr;
    DataPreparer *m_preparer = nullptr;
    bool m_valid = false;
    bool m_loading = false;
    QString m_error;
    SweepPlan m_plan;
};

} // namespace flopsfit::ui
