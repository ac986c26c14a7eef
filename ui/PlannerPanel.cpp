#include "PlannerPanel.h"

#include "DataPreparer.h"
#include "FigureFactory.h"
#include "data/StudyData.h"
#include "plan/Presets.h"
#include "plan/SweepConfig.h"
#include "store/StudyFiles.h"
#include "train/TrainBackend.h"
#include "util/Error.h"
#include "util/Json.h"

#include <QChart>
#include <QChartView>
#include <QCheckBox>
#include <QComboBox>
#include <QEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QLogValueAxis>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QScatterSeries>
#include <QScrollArea>
#include <QSplitter>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>

#include <cmath>

namespace flopsfit::ui {

namespace {

// The form's sections and keys in reading order, with their labels. Keys of the configuration
// schema that are not listed here are still shown, after these, under their own names.
struct KeyInfo {
    const char *key;
    const char *label;
    const char *tip;
};

const KeyInfo kKeys[] = {
    {"name", "Study name", "A name for the study (recorded in sweep.json)."},
    {"backend", "Backend", "simulated: losses from a known law, in seconds. torch: real training with LibTorch."},
    {"flops_model", "FLOPs model", "How compute is counted: 6·N·D without or with the vocabulary matrices, or per token with attention."},
    {"compute.min_flops", "Smallest budget C (FLOPs)", "The smallest compute budget."},
    {"compute.max_flops", "Largest budget C (FLOPs)", "The largest compute budget; budgets are log-spaced in between."},
    {"compute.budgets", "Budgets", "How many compute budgets."},
    {"model.min_params", "Smallest size N", "The smallest model size considered."},
    {"model.max_params", "Largest size N", "The largest model size considered."},
    {"model.sizes_per_budget", "Sizes per budget", "Model sizes per budget, log-spaced within the bounds."},
    {"model.min_tokens_per_param", "Min tokens per parameter", "D/N ≥ this at every budget (bounds N from above)."},
    {"model.max_tokens_per_param", "Max tokens per parameter", "D/N ≤ this at every budget (bounds N from below)."},
    {"model.aspect_ratio", "Aspect ratio d_model / n_layers", "The shape solver's target width-to-depth ratio."},
    {"model.head_dim", "Head dimension", "n_heads = d_model / head_dim."},
    {"model.round_to", "Round d_model to", "d_model is a multiple of this."},
    {"model.ffn_mult", "FFN multiplier", "SwiGLU hidden width = ffn_mult × d_model."},
    {"model.max_layers", "Max layers", "The deepest shape the solver may pick."},
    {"data.source", "Corpus", "builtin: generated stories. file: a text / JSONL file or a folder of them."},
    {"data.path", "Corpus file or folder", "Text (*.txt) or JSON Lines with a \"text\" field, or a folder of either."},
    {"data.vocab_size", "Vocabulary size", "Sets the embedding and output head sizes."},
    {"data.seq_len", "Context length", "Tokens per sequence."},
    {"data.tokenizer", "Tokenizer", "The sentencepiece model type."},
    {"data.builtin_tokens", "Built-in corpus tokens", "Tokens generated for the built-in corpus."},
    {"data.val_fraction", "Validation fraction", "The share of documents held out for validation."},
    {"training.lr_rule", "Learning-rate rule", "constant, or width_scaled: lr × lr_base_width / d_model."},
    {"training.lr", "Learning rate", "The base learning rate."},
    {"training.lr_base_width", "LR base width", "The width at which width_scaled uses lr unchanged."},
    {"training.seeds", "Seeds", "One run per seed for every (C, N), e.g. 0, 1, 2."},
    {"training.batch_size", "Batch size", "Sequences per optimizer step."},
    {"training.grad_accum", "Gradient accumulation", "Micro-batches per optimizer step."},
    {"training.lanes", "Lanes per run", "On CPU, the data-parallel lanes each batch is split into; 0: one per thread."},
    {"hardware.flops_per_second", "Throughput (FLOP/s)", "For the wall-time estimate only."},
    {"fit.target_flops", "Target compute (FLOPs)", "The budget to predict N_opt, D_opt and the loss for."},
    {"fit.approach", "Headline approach", "The fit the summary reports (all are fitted)."},
    {"fit.bootstrap", "Bootstrap samples", "Refits for percentile intervals; 0: none."},
};

const char *const kSections[][2] = {
    {"", "Study"}, {"compute", "Compute budgets"}, {"model", "Model sizes and shapes"}, {"data", "Data"},
    {"training", "Training"}, {"simulated", "Simulated backend"}, {"hardware", "Hardware"}, {"fit", "Fit"},
};

QStringList choicesFor(const QString &key)
{
    if (key == QLatin1String("backend"))
        return availableBackends();
    if (key == QLatin1String("flops_model"))
        return {QStringLiteral("6nd_nonembedding"), QStringLiteral("6nd_total"), QStringLiteral("6nd_attention")};
    if (key == QLatin1String("data.source"))
        return {QStringLiteral("builtin"), QStringLiteral("file")};
    if (key == QLatin1String("data.tokenizer"))
        return {QStringLiteral("bpe"), QStringLiteral("unigram")};
    if (key == QLatin1String("training.lr_rule"))
        return {QStringLiteral("constant"), QStringLiteral("width_scaled")};
    if (key == QLatin1String("fit.approach"))
        return {QStringLiteral("isoflop"), QStringLiteral("empirical"), QStringLiteral("parametric")};
    return {};
}

QString sectionOf(const QString &key)
{
    return key.contains(QLatin1Char('.')) ? key.section(QLatin1Char('.'), 0, 0) : QString();
}

QString formatNumber(double v)
{
    if (v == std::floor(v) && std::abs(v) < 1e7)
        return QString::number(qint64(v));
    return QString::number(v, 'g', 10);
}

QString valueText(const QJsonValue &v)
{
    if (v.isDouble())
        return formatNumber(v.toDouble());
    if (v.isArray()) {
        QStringList parts;
        for (const QJsonValue &x : v.toArray())
            parts.append(x.isDouble() ? formatNumber(x.toDouble()) : x.toString());
        return parts.join(QStringLiteral(", "));
    }
    if (v.isBool())
        return v.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    return v.toString();
}

QString formatDuration(double s)
{
    if (s < 120)
        return QStringLiteral("%1 s").arg(s, 0, 'f', 1);
    if (s < 7200)
        return QStringLiteral("%1 min").arg(s / 60, 0, 'f', 1);
    if (s < 3 * 86400)
        return QStringLiteral("%1 h").arg(s / 3600, 0, 'f', 1);
    return QStringLiteral("%1 days").arg(s / 86400, 0, 'f', 1);
}

QTableWidgetItem *numberItem(const QString &text, double sortValue)
{
    auto *item = new QTableWidgetItem(text);
    item->setData(Qt::UserRole, sortValue);
    item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    return item;
}

} // namespace

PlannerPanel::PlannerPanel(QWidget *parent) : QWidget(parent)
{
    m_preparer = new DataPreparer(this);
    m_validateTimer = new QTimer(this);
    m_validateTimer->setSingleShot(true);
    m_validateTimer->setInterval(150);
    connect(m_validateTimer, &QTimer::timeout, this, &PlannerPanel::validateNow);

    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(buildForm());
    splitter->addWidget(buildPreview());
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 3);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(splitter);

    connect(m_preparer, &DataPreparer::progress, this, [this](const QString &stage, int percent) {
        m_dataProgress->setValue(percent);
        m_dataStatus->setText(tr("Preparing data: %1…").arg(stage));
        Q_EMIT statusMessage(tr("Preparing data: %1 (%2%)").arg(stage).arg(percent));
    });
    connect(m_preparer, &DataPreparer::finished, this, [this](bool completed, const QString &error) {
        m_dataProgress->setValue(completed ? 100 : m_dataProgress->value());
        m_dataStatus->setText(completed ? tr("Data ready in %1").arg(StudyPaths(m_studyDir).dataDir())
                              : error.isEmpty() ? tr("Cancelled")
                                                : error);
        Q_EMIT statusMessage(completed ? tr("Data ready") : error.isEmpty() ? tr("Data preparation cancelled") : tr("Data preparation failed"));
        updateDataPicker();
    });

    setConfig(defaultSweepConfig(), QStringLiteral("defaults"));
    const int demo = int(m_presetBox->findText(QStringLiteral("demo")));
    if (demo >= 0)
        loadPreset(QStringLiteral("demo"));
}

QWidget *PlannerPanel::buildForm()
{
    auto *inner = new QWidget;
    auto *layout = new QVBoxLayout(inner);

    auto *presetRow = new QHBoxLayout;
    presetRow->addWidget(new QLabel(tr("Preset:")));
    m_presetBox = new QComboBox;
    m_presetBox->addItems(shippedPresetNames());
    m_presetBox->setPlaceholderText(tr("the study's plan"));
    m_presetBox->setToolTip(tr("Fill the form from a shipped preset"));
    presetRow->addWidget(m_presetBox, 1);
    auto *load = new QPushButton(tr("Load"));
    auto *loadFile = new QPushButton(tr("From file…"));
    presetRow->addWidget(load);
    presetRow->addWidget(loadFile);
    layout->addLayout(presetRow);
    load->setToolTip(tr("Replace the form with the chosen preset"));
    loadFile->setToolTip(tr("Replace the form with a preset file (.jsonc)"));
    connect(load, &QPushButton::clicked, this, [this] { loadPreset(m_presetBox->currentText()); });
    // While the form shows the study's own plan no preset is chosen, and there is nothing to load.
    connect(m_presetBox, qOverload<int>(&QComboBox::currentIndexChanged), load, [load](int index) { load->setEnabled(index >= 0); });
    connect(loadFile, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Load a preset"), QString(), tr("Presets (*.jsonc *.json)"));
        if (!path.isEmpty())
            loadPreset(path);
    });

    const QJsonObject schema = defaultSweepConfig();
    QStringList keys;
    for (const KeyInfo &k : kKeys)
        keys.append(QString::fromLatin1(k.key));
    // Every other key of the schema, so the form covers the whole configuration.
    for (auto it = schema.begin(); it != schema.end(); ++it) {
        if (it.key() == QLatin1String("schema_version"))
            continue;
        if (it->isObject()) {
            const QJsonObject section = it->toObject();
            for (auto k = section.begin(); k != section.end(); ++k) {
                const QString key = it.key() + QLatin1Char('.') + k.key();
                if (!keys.contains(key))
                    keys.append(key);
            }
        } else if (!keys.contains(it.key())) {
            keys.append(it.key());
        }
    }
    for (const auto &section : kSections) {
        const QString name = QString::fromLatin1(section[0]);
        auto *box = new QGroupBox(tr(section[1]));
        auto *form = new QFormLayout(box);
        form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
        for (const QString &key : keys) {
            if (sectionOf(key) == name)
                addField(form, key, valueAtPath(schema, key));
        }
        if (name == QLatin1String("data")) {
            // The data picker: a file or folder for data.path, and preparing it now.
            auto *pick = new QHBoxLayout;
            auto *file = new QPushButton(QIcon::fromTheme(QStringLiteral("document-open")), tr("File…"));
            auto *folder = new QPushButton(QIcon::fromTheme(QStringLiteral("folder-open")), tr("Folder…"));
            pick->addWidget(file);
            pick->addWidget(folder);
            pick->addStretch();
            form->addRow(QString(), pick);
            auto usePath = [this](const QString &path) {
                if (path.isEmpty())
                    return;
                setFieldText(QStringLiteral("data.source"), QStringLiteral("file"));
                setFieldText(QStringLiteral("data.path"), path);
            };
            connect(file, &QPushButton::clicked, this, [this, usePath] {
                usePath(QFileDialog::getOpenFileName(this, tr("Choose a corpus file"), QString(),
                                                     tr("Text or JSON Lines (*.txt *.text *.jsonl *.ndjson);;All files (*)")));
            });
            connect(folder, &QPushButton::clicked, this, [this, usePath] {
                usePath(QFileDialog::getExistingDirectory(this, tr("Choose a corpus folder")));
            });
            auto *prepare = new QHBoxLayout;
            m_prepareButton = new QPushButton(tr("Prepare data"));
            m_prepareButton->setToolTip(tr("Tokenize the corpus into the study's data/ folder with flopsfit-tokenize"));
            m_cancelDataButton = new QPushButton(tr("Cancel"));
            m_dataProgress = new QProgressBar;
            m_dataProgress->setRange(0, 100);
            m_dataProgress->setValue(0);
            prepare->addWidget(m_prepareButton);
            prepare->addWidget(m_dataProgress, 1);
            prepare->addWidget(m_cancelDataButton);
            form->addRow(QString(), prepare);
            m_dataStatus = new QLabel;
            m_dataStatus->setObjectName(QStringLiteral("dataStatus"));
            m_dataStatus->setWordWrap(true);
            form->addRow(QString(), m_dataStatus);
            connect(m_prepareButton, &QPushButton::clicked, this, &PlannerPanel::prepareData);
            connect(m_cancelDataButton, &QPushButton::clicked, m_preparer, &DataPreparer::cancel);
            updateDataPicker();
        }
        layout->addWidget(box);
    }
    layout->addStretch();

    auto *scroll = new QScrollArea;
    scroll->setWidget(inner);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setMinimumWidth(380);
    return scroll;
}

void PlannerPanel::addField(QFormLayout *layout, const QString &key, const QJsonValue &defaultValue)
{
    Field field;
    field.key = key;
    field.type = defaultValue.type();
    QString label = key.section(QLatin1Char('.'), -1).replace(QLatin1Char('_'), QLatin1Char(' '));
    QString tip;
    for (const KeyInfo &k : kKeys) {
        if (key == QLatin1String(k.key)) {
            label = tr(k.label);
            tip = tr(k.tip);
        }
    }
    const QStringList choices = choicesFor(key);
    if (!choices.isEmpty()) {
        auto *box = new QComboBox;
        box->addItems(choices);
        connect(box, &QComboBox::currentTextChanged, this, &PlannerPanel::scheduleValidation);
        field.editor = box;
    } else if (defaultValue.isBool()) {
        auto *check = new QCheckBox;
        connect(check, &QCheckBox::toggled, this, &PlannerPanel::scheduleValidation);
        field.editor = check;
    } else {
        auto *edit = new QLineEdit;
        if (defaultValue.isArray())
            edit->setPlaceholderText(tr("comma-separated, e.g. 0, 1, 2"));
        connect(edit, &QLineEdit::textEdited, this, &PlannerPanel::scheduleValidation);
        field.editor = edit;
    }
    field.editor->setObjectName(key);
    field.editor->setToolTip(QStringLiteral("%1\n(%2)").arg(tip, key).trimmed());
    field.error = new QLabel;
    field.error->setObjectName(key + QStringLiteral(".error"));
    field.error->setWordWrap(true);
    QPalette pal = field.error->palette();
    pal.setColor(QPalette::WindowText, QColor(200, 40, 40));
    field.error->setPalette(pal);
    field.error->hide();
    auto *cell = new QWidget;
    auto *v = new QVBoxLayout(cell);
    v->setContentsMargins(0, 0, 0, 0);
    v->setSpacing(2);
    v->addWidget(field.editor);
    v->addWidget(field.error);
    layout->addRow(label, cell);
    m_fields.insert(key, field);
    m_keyOrder.append(key);
}

QWidget *PlannerPanel::buildPreview()
{
    auto *panel = new QWidget;
    auto *layout = new QVBoxLayout(panel);
    m_message = new QLabel;
    m_message->setWordWrap(true);
    m_message->setObjectName(QStringLiteral("planMessage"));
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_message);
    m_totals = new QLabel;
    m_totals->setObjectName(QStringLiteral("planTotals"));
    QFont bold = m_totals->font();
    bold.setBold(true);
    m_totals->setFont(bold);
    m_totals->setWordWrap(true);
    layout->addWidget(m_totals);

    m_table = new QTableWidget(0, 7);
    m_table->setHorizontalHeaderLabels({tr("Run"), tr("C (FLOPs)"), tr("N"), tr("D (tokens)"), tr("d × L × H"), tr("D/N"), tr("Est. time")});
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setAlternatingRowColors(true);

    m_chart = new QChart;
    m_chart->setTitle(tr("The grid in (C, N)"));
    m_chart->legend()->setAlignment(Qt::AlignRight);
    m_chart->setMargins(QMargins(2, 2, 2, 2));
    auto *view = new QChartView(m_chart);
    view->setRenderHint(QPainter::Antialiasing);
    view->setMinimumHeight(220);

    auto *split = new QSplitter(Qt::Vertical);
    split->addWidget(m_table);
    split->addWidget(view);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    layout->addWidget(split, 1);

    auto *buttons = new QHBoxLayout;
    buttons->addStretch();
    m_saveButton = new QPushButton(QIcon::fromTheme(QStringLiteral("document-save")), tr("Save plan"));
    m_saveButton->setToolTip(tr("Write sweep.json into the study folder"));
    buttons->addWidget(m_saveButton);
    layout->addLayout(buttons);
    connect(m_saveButton, &QPushButton::clicked, this, &PlannerPanel::savePlanInteractively);
    return panel;
}

void PlannerPanel::setStudyDir(const QString &studyDir)
{
    m_studyDir = studyDir;
    const StudyPaths paths(studyDir);
    if (QFileInfo::exists(paths.sweep())) {
        try {
            const SweepPlan plan = loadPlan(paths.sweep());
            setConfig(plan.spec.config, paths.sweep());
            m_presetBox->setCurrentIndex(-1); // the form shows the study's own plan
        } catch (const InputError &e) {
            showErrors(e.message());
        }
    }
    updateDataPicker();
}

bool PlannerPanel::loadPreset(const QString &preset)
{
    try {
        const QString path = resolvePreset(preset);
        setConfig(loadSweepConfig(path), path);
        const int index = int(m_presetBox->findText(QFileInfo(path).completeBaseName()));
        if (index >= 0)
            m_presetBox->setCurrentIndex(index);
        return true;
    } catch (const InputError &e) {
        showErrors(e.message());
        return false;
    }
}

void PlannerPanel::setConfig(const QJsonObject &config, const QString &origin)
{
    QJsonObject merged = defaultSweepConfig();
    try {
        mergeConfig(merged, config, origin);
    } catch (const InputError &e) {
        showErrors(e.message());
        return;
    }
    m_origin = origin;
    m_loading = true;
    for (const QString &key : m_keyOrder) {
        const Field &f = m_fields[key];
        const QJsonValue v = valueAtPath(merged, key);
        if (auto *box = qobject_cast<QComboBox *>(f.editor)) {
            if (box->findText(v.toString()) < 0)
                box->addItem(v.toString());
            box->setCurrentText(v.toString());
        } else if (auto *check = qobject_cast<QCheckBox *>(f.editor)) {
            check->setChecked(v.toBool());
        } else if (auto *edit = qobject_cast<QLineEdit *>(f.editor)) {
            edit->setText(valueText(v));
        }
    }
    m_loading = false;
    validateNow();
}

QString PlannerPanel::fieldText(const QString &key) const
{
    const Field f = m_fields.value(key);
    if (auto *box = qobject_cast<QComboBox *>(f.editor))
        return box->currentText();
    if (auto *check = qobject_cast<QCheckBox *>(f.editor))
        return check->isChecked() ? QStringLiteral("true") : QStringLiteral("false");
    if (auto *edit = qobject_cast<QLineEdit *>(f.editor))
        return edit->text();
    return {};
}

void PlannerPanel::setFieldText(const QString &key, const QString &text)
{
    const Field f = m_fields.value(key);
    if (auto *box = qobject_cast<QComboBox *>(f.editor)) {
        if (box->findText(text) < 0)
            box->addItem(text);
        box->setCurrentText(text);
    } else if (auto *check = qobject_cast<QCheckBox *>(f.editor)) {
        check->setChecked(text == QLatin1String("true"));
    } else if (auto *edit = qobject_cast<QLineEdit *>(f.editor)) {
        edit->setText(text);
        scheduleValidation();
    }
}

QString PlannerPanel::fieldError(const QString &key) const
{
    const Field f = m_fields.value(key);
    return f.error && !f.error->isHidden() ? f.error->text() : QString();
}

int PlannerPanel::previewRowCount() const
{
    return m_table->rowCount();
}

QJsonObject PlannerPanel::formConfig()
{
    QJsonObject config = defaultSweepConfig();
    for (const QString &key : m_keyOrder) {
        const Field &f = m_fields[key];
        const QString text = fieldText(key).trimmed();
        if (f.type == QJsonValue::String) {
            setPath(config, key, text);
        } else if (f.type == QJsonValue::Array) {
            const QString list = text.startsWith(QLatin1Char('[')) ? text : QLatin1Char('[') + text + QLatin1Char(']');
            applyOverride(config, key + QLatin1Char('=') + list);
        } else {
            // The same parsing and message as a `key=value` override on the command line.
            applyOverride(config, key + QLatin1Char('=') + text);
        }
    }
    return config;
}

void PlannerPanel::scheduleValidation()
{
    if (!m_loading)
        m_validateTimer->start();
    updateDataPicker();
}

QString PlannerPanel::fieldOfMessage(const QString &message) const
{
    static const QRegularExpression quoted(QStringLiteral("'([a-z_]+(?:\\.[a-z_]+)?)'"));
    auto it = quoted.globalMatch(message);
    while (it.hasNext()) {
        const QString key = it.next().captured(1);
        if (m_fields.contains(key))
            return key;
    }
    return {};
}

void PlannerPanel::showErrors(const QString &message)
{
    for (Field &f : m_fields) {
        f.error->clear();
        f.error->hide();
    }
    m_error = message;
    if (message.isEmpty()) {
        m_message->clear();
        m_message->hide();
        return;
    }
    const QString key = fieldOfMessage(message);
    if (!key.isEmpty()) {
        Field &f = m_fields[key];
        f.error->setText(message);
        f.error->show();
    }
    m_message->setText(QStringLiteral("<span style='color:#c82828'>%1</span>").arg(message.toHtmlEscaped()));
    m_message->show();
}

void PlannerPanel::validateNow()
{
    m_validateTimer->stop();
    try {
        const QJsonObject config = formConfig();
        SweepPlan plan = planSweep(SweepSpec::fromConfig(config, m_origin));
        m_plan = std::move(plan);
        m_valid = true;
        showErrors({});
        m_saveButton->setEnabled(true);
        updatePreview();
        Q_EMIT planChanged();
    } catch (const InputError &e) {
        m_valid = false;
        m_saveButton->setEnabled(false);
        showErrors(e.message());
    }
    updateDataPicker();
}

void PlannerPanel::updatePreview()
{
    const SweepPlan &plan = m_plan;
    m_table->setSortingEnabled(false);
    m_table->setRowCount(int(plan.runs.size()));
    for (int i = 0; i < plan.runs.size(); ++i) {
        const RunSpec &r = plan.runs[i];
        m_table->setItem(i, 0, new QTableWidgetItem(r.id));
        m_table->setItem(i, 1, numberItem(QString::number(r.budget, 'e', 2), r.budget));
        m_table->setItem(i, 2, numberItem(QString::number(r.params, 'e', 2), r.params));
        m_table->setItem(i, 3, numberItem(QString::number(r.tokens, 'e', 2), r.tokens));
        m_table->setItem(i, 4, new QTableWidgetItem(QStringLiteral("%1 × %2 × %3").arg(r.shape.d_model).arg(r.shape.n_layers).arg(r.shape.n_heads)));
        m_table->setItem(i, 5, numberItem(QString::number(r.tokensPerParam(), 'f', 1), r.tokensPerParam()));
        m_table->setItem(i, 6, numberItem(formatDuration(r.estimatedSeconds), r.estimatedSeconds));
    }
    m_totals->setText(tr("%1 runs over %2 budgets · total %3 FLOPs · estimated %4 at %5 FLOP/s")
                          .arg(plan.runs.size())
                          .arg(plan.budgets.size())
                          .arg(plan.totalFlops(), 0, 'e', 2)
                          .arg(formatDuration(plan.estimatedSeconds()))
                          .arg(plan.spec.flopsPerSecond, 0, 'e', 1)
                      + (plan.spec.backend == QLatin1String("simulated")
                             ? tr(" for real training (the simulated backend takes seconds)")
                             : QString()));

    m_chart->removeAllSeries();
    for (QAbstractAxis *axis : m_chart->axes()) {
        m_chart->removeAxis(axis);
        delete axis;
    }
    auto *x = new QLogValueAxis;
    x->setTitleText(tr("compute C (FLOPs)"));
    x->setLabelFormat(QStringLiteral("%.0e"));
    auto *y = new QLogValueAxis;
    y->setTitleText(tr("parameters N"));
    y->setLabelFormat(QStringLiteral("%.0e"));
    m_chart->addAxis(x, Qt::AlignBottom);
    m_chart->addAxis(y, Qt::AlignLeft);
    double cLo = 1e300, cHi = 0, nLo = 1e300, nHi = 0;
    for (int b = 0; b < plan.budgets.size(); ++b) {
        auto *s = new QScatterSeries;
        s->setName(QStringLiteral("C = %1").arg(plan.budgets[b], 0, 'e', 1));
        s->setMarkerSize(8);
        const QColor color = budgetColor(b, int(plan.budgets.size()));
        s->setColor(color);
        s->setBorderColor(color.darker(130));
        for (const RunSpec &r : plan.runs) {
            if (r.budgetIndex != b)
                continue;
            s->append(r.budget, r.params);
            cLo = std::min(cLo, r.budget), cHi = std::max(cHi, r.budget);
            nLo = std::min(nLo, r.params), nHi = std::max(nHi, r.params);
        }
        m_chart->addSeries(s);
        s->attachAxis(x);
        s->attachAxis(y);
    }
    if (cHi > 0) {
        x->setRange(cLo / 2, cHi * 2);
        y->setRange(nLo / 2, nHi * 2);
    }
    followPalette(m_chart, palette());
}

void PlannerPanel::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange && m_chart)
        followPalette(m_chart, palette());
}

void PlannerPanel::updateDataPicker()
{
    if (!m_prepareButton)
        return;
    const bool running = m_preparer->isRunning();
    const bool fileSource = fieldText(QStringLiteral("data.source")) == QLatin1String("file");
    if (m_fields.contains(QStringLiteral("data.path")))
        m_fields[QStringLiteral("data.path")].editor->setEnabled(fileSource);
    m_prepareButton->setEnabled(!running && m_valid && !m_studyDir.isEmpty());
    m_prepareButton->setToolTip(m_studyDir.isEmpty() ? tr("Open or create a study first: the data goes into its data/ folder")
                                                     : tr("Tokenize the corpus into %1 with flopsfit-tokenize").arg(StudyPaths(m_studyDir).dataDir()));
    m_cancelDataButton->setEnabled(running);
}

void PlannerPanel::prepareData()
{
    validateNow();
    if (!m_valid || m_studyDir.isEmpty() || m_preparer->isRunning())
        return;
    m_dataProgress->setValue(0);
    m_dataStatus->setText(tr("Starting flopsfit-tokenize…"));
    m_preparer->start(m_studyDir, m_plan.spec);
    updateDataPicker();
}

void PlannerPanel::savePlanInteractively()
{
    if (m_studyDir.isEmpty()) {
        // No study yet: the plan starts one in a folder of the user's choice.
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Choose a folder for the new study"));
        if (dir.isEmpty())
            return;
        if (QFileInfo::exists(StudyPaths(dir).sweep())) {
            QMessageBox::warning(this, tr("Save plan"), tr("%1 already holds a study; open it with File → Open Study.").arg(dir));
            return;
        }
        m_studyDir = dir;
    }
    QString error;
    if (!savePlan(&error)) {
        QMessageBox::warning(this, tr("Save plan"), error);
        return;
    }
    Q_EMIT studyFolderChosen(m_studyDir);
}

bool PlannerPanel::savePlan(QString *error)
{
    validateNow();
    auto fail = [&](const QString &message) {
        if (error)
            *error = message;
        return false;
    };
    if (!m_valid)
        return fail(m_error);
    if (m_studyDir.isEmpty())
        return fail(tr("No study is open: create or open a study folder first."));
    const StudyPaths paths(m_studyDir);
    try {
        if (QFileInfo::exists(paths.sweep()) && QFileInfo::exists(paths.results())) {
            const SweepPlan existing = loadPlan(paths.sweep());
            if (existing.toJson() != m_plan.toJson()) {
                const auto answer = QMessageBox::question(
                    this, tr("Replace the plan?"),
                    tr("This study already has results for a different plan. Replace its plan? "
                       "Finished runs that are no longer in the plan are left out of the fits."));
                if (answer != QMessageBox::Yes)
                    return fail(tr("Kept the existing plan."));
            }
        }
        flopsfit::savePlan(m_plan, paths.sweep());
    } catch (const InputError &e) {
        return fail(e.message());
    }
    Q_EMIT statusMessage(tr("Plan saved to %1").arg(paths.sweep()));
    Q_EMIT planSaved(paths.sweep());
    return true;
}

} // namespace flopsfit::ui
