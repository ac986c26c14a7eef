#pragma once
#include <QMainWindow>
#include <QString>
#include <QStringList>

class QLabel;
class QMenu;
class QTabWidget;

namespace flopsfit::ui {

class AnalysisView;
class PlannerPanel;
class TrainingDashboard;

// The desktop app's window. A study is a folder (sweep.json, results, figures); the window has
// three areas: Plan (the sweep planner), Train (the runs of the sweep) and Analyze (the fits).
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    enum Area { PlanArea = 0, TrainArea = 1, AnalyzeArea = 2 };

    explicit MainWindow(QWidget *parent = nullptr);

    // Opens a study folder in every area and remembers it in Open Recent. Returns false (with a
    // message box) when the folder does not exist or holds no sweep.json.
    bool openStudy(const QString &studyDir);
    QString studyDir() const { return m_studyDir; }
    // Creates `studyDir` with the plan of `preset` (a shipped name or a file) and opens it.
    // Returns false with `error` set when the preset is invalid or the folder cannot be written.
    bool createStudy(const QString &preset, const QString &studyDir, QString *error = nullptr);
    // Copies the open study folder to `target` (which must not exist) and opens the copy.
    bool saveStudyAs(const QString &target, QString *error = nullptr);

    void showArea(Area area);
    PlannerPanel *planner() const { return m_planner; }
    AnalysisView *analysis() const { return m_analysis; }
    TrainingDashboard *trainArea() const { return m_train; }

    static QStringList recentStudies();

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void createActions();
    // Refits the analysis whenever the Train area reports a finished run or sweep.
    void connectTrainArea();
    void newStudyDialog();
    void openStudyDialog();
    void saveStudyAsDialog();
    void updateRecentMenu();
    void updateTitle();
    void setRunning(const QString &what);
    void about();

    QString m_studyDir;
    QTabWidget *m_tabs = nullptr;
    PlannerPanel *m_planner = nullptr;
    TrainingDashboard *m_train = nullptr;
    AnalysisView *m_analysis = nullptr;
    QMenu *m_recentMenu = nullptr;
    QLabel *m_studyLabel = nullptr;
    QLabel *m_runningLabel = nullptr;
};

} // namespace flopsfit::ui
