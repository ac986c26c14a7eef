// The GPT: exact parameter count, causality, fused kernels equal to composite torch operations,
// and a tiny model overfitting one batch.
#include "TestHelpers.h"

#include "model/Gpt.h"
#include "plan/ModelShape.h"

#include <torch/torch.h>

using namespace flopsfit;

namespace {

ModelShape tinyShape(int d = 32, int layers = 2, int heads = 2, int vocab = 97, int seq = 16)
{
    ModelShape s;
    s.d_model = d;
    s.n_layers = layers;
    s.n_heads = heads;
    s.d_ff = 4 * d;
    s.vocab_size = vocab;
    s.seq_len = seq;
    return s;
}

Gpt makeModel(const ModelShape &shape, Parametrization p = Parametrization::UMuP)
{
    at::set_num_threads(1);
    GptOptions o;
    o.shape = shape;
    o.parametrization = p;
    o.seed = 7;
    Gpt model(o);
    // The head starts at zero (every logit 0); give it weights so logits depend on the input.
    torch::NoGradGuard noGrad;
    model->named_parameters()["head"].normal_(0.0, 0.5);
    return model;
}

} // namespace

class TestModel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void parameterCount_data()
    {
        QTest::addColumn<int>("dModel");
        QTest::addColumn<int>("layers");
        QTest::addColumn<int>("heads");
        QTest::addColumn<int>("ffn");
        QTest::addColumn<int>("vocab");
        QTest::newRow("tiny") << 32 << 1 << 1 << 128 << 64;
        QTest::newRow("cpu_fast-like") << 96 << 3 << 3 << 384 << 2048;
        QTest::newRow("odd ffn") << 64 << 2 << 4 << 200 << 4096;
        QTest::newRow("wide") << 256 << 4 << 4 << 1024 << 4096;
    }

    void parameterCount()
    {
        QFETCH(int, dModel);
        QFETCH(int, layers);
        QFETCH(int, heads);
        QFETCH(int, ffn);
        QFETCH(int, vocab);
        ModelShape s = tinyShape(dModel, layers, heads, vocab, 32);
        s.d_ff = ffn;
        GptOptions o;
        o.shape = s;
        Gpt model(o);
        std::int64_t counted = 0;
        for (const auto &p : model->parameters())
            counted += p.numel();
        QCOMPARE(double(counted), s.totalParams());
        QCOMPARE(double(model->parameterCount()), s.totalParams());
        std::int64_t inGroups = 0;
        for (const ParamGroup &g : model->groups())
            inGroups += g.count;
        QCOMPARE(inGroups, counted);
    }

    void plannerShapesMatch()
    {
        // Shapes the planner solves for, counted by the model, equal the planner's N.
        ShapeRule rule;
        rule.aspect_ratio = 32;
        rule.head_dim = 32;
        rule.round_to = 32;
        rule.vocab_size = 2048;
        rule.seq_len = 128;
        for (double target : {2e4, 2e5, 2e6}) {
            const ModelShape s = solveModelShape(target, rule, FlopsModel::SixNDAttention);
            GptOptions o;
            o.shape = s;
            Gpt model(o);
            QCOMPARE(double(model->parameterCount()), s.totalParams());
        }
    }

    void headStartsAtZero()
    {
        GptOptions o;
        o.shape = tinyShape();
        Gpt model(o);
        QCOMPARE(model->named_parameters()["head"].abs().max().item<float>(), 0.0f);
        // A zero head predicts the uniform distribution: loss = ln(V).
        const torch::Tensor x = torch::randint(0, 97, {2, 16}, torch::kLong);
        FF_COMPARE_REL(model->loss(x, x).item<double>(), std::log(97.0), 1e-5);
    }

    void causality_data()
    {
        QTest::addColumn<bool>("fused");
        QTest::newRow("fused kernels") << true;
        QTest::newRow("composite") << false;
    }

    void causality()
    {
        QFETCH(bool, fused);
        Gpt model = makeModel(tinyShape());
        model->setFused(fused);
        torch::NoGradGuard noGrad;
        torch::manual_seed(1);
        const torch::Tensor a = torch::randint(0, 97, {2, 16}, torch::kLong);
        torch::Tensor b = a.clone();
        b.index_put_({torch::indexing::Slice(), 10}, (a.index({torch::indexing::Slice(), 10}) + 1) % 97);
        const torch::Tensor la = model->logits(a), lb = model->logits(b);
        const auto before = torch::indexing::Slice(0, 10);
        QVERIFY(torch::equal(la.index({torch::indexing::Slice(), before}), lb.index({torch::indexing::Slice(), before})));
        // The changed token does change its own and later positions.
        QVERIFY((la.index({torch::indexing::Slice(), 10}) - lb.index({torch::indexing::Slice(), 10})).abs().max().item<float>() > 1e-4f);
        QVERIFY((la.index({torch::indexing::Slice(), 15}) - lb.index({torch::indexing::Slice(), 15})).abs().max().item<float>() > 1e-4f);
    }

    void fusedEqualsComposite_data()
    {
        QTest::addColumn<int>("parametrization");
        QTest::newRow("umup") << int(Parametrization::UMuP);
        QTest::newRow("standard") << int(Parametrization::Standard);
    }

    void fusedEqualsComposite()
    {
        QFETCH(int, parametrization);
        Gpt model = makeModel(tinyShape(64, 2, 2, 97, 24), Parametrization(parametrization));
        torch::manual_seed(2);
        const torch::Tensor x = torch::randint(0, 97, {3, 24}, torch::kLong);
        const torch::Tensor y = torch::randint(0, 97, {3, 24}, torch::kLong);

        model->setFused(false);
        model->zeroGrad();
        const double lossRef = model->loss(x, y).item<double>();
        model->loss(x, y).backward();
        const torch::Tensor gradRef = model->flatGrads().clone();

        model->setFused(true);
        model->zeroGrad();
        const torch::Tensor loss = model->loss(x, y);
        loss.backward();
        FF_COMPARE_REL(loss.item<double>(), lossRef, 1e-5);
        const double scale = gradRef.abs().max().item<double>();
        const double diff = (model->flatGrads() - gradRef).abs().max().item<double>();
        QVERIFY2(diff <= 1e-4 * scale, qPrintable(QStringLiteral("gradient differs by %1 (scale %2)").arg(diff).arg(scale)));
        // Every parameter's gradient lands in the flat buffer.
        QVERIFY(model->flatGrads().abs().sum().item<double>() > 0);
    }

    void laneGradientsAddUpToTheBatchGradient()
    {
        Gpt model = makeModel(tinyShape(64, 2, 2, 97, 24));
        Gpt lane(model->options(), model->flatParams());
        QCOMPARE(lane->flatParams().data_ptr(), model->flatParams().data_ptr()); // one set of weights
        QVERIFY(lane->flatGrads().data_ptr() != model->flatGrads().data_ptr()); // gradients of its own
        torch::manual_seed(3);
        const torch::Tensor x = torch::randint(0, 97, {4, 24}, torch::kLong);
        const torch::Tensor y = torch::randint(0, 97, {4, 24}, torch::kLong);

        model->zeroGrad();
        const double whole = model->loss(x, y).item<double>();
        model->loss(x, y).backward();
        const torch::Tensor gradRef = model->flatGrads().clone();

        model->zeroGrad();
        lane->zeroGrad();
        torch::Tensor first = model->loss(x.narrow(0, 0, 2), y.narrow(0, 0, 2)) / 2.0;
        torch::Tensor second = lane->loss(x.narrow(0, 2, 2), y.narrow(0, 2, 2)) / 2.0;
        first.backward();
        second.backward();
        FF_COMPARE_REL(first.item<double>() + second.item<double>(), whole, 1e-5);
        QVERIFY(lane->flatGrads().abs().sum().item<double>() > 0);
        const torch::Tensor sum = model->flatGrads() + lane->flatGrads();
        const double scale = gradRef.abs().max().item<double>();
        const double diff = (sum - gradRef).abs().max().item<double>();
        QVERIFY2(diff <= 1e-5 * scale, qPrintable(QStringLiteral("gradient differs by %1 (scale %2)").arg(diff).arg(scale)));
    }

    void overfitsOneBatch()
    {
        Gpt model = makeModel(tinyShape(32, 2, 2, 50, 16));
        {
            torch::NoGradGuard noGrad;
            model->named_parameters()["head"].zero_();
        }
        torch::manual_seed(3);
        const torch::Tensor data = torch::randint(0, 50, {4, 17}, torch::kLong);
        const torch::Tensor x = data.narrow(1, 0, 16), y = data.narrow(1, 1, 16);
        torch::optim::AdamW opt(model->parameters(), torch::optim::AdamWOptions(1e-2).betas({0.9, 0.95}).weight_decay(0));
        double first = 0, last = 0;
        for (int step = 0; step < 80; ++step) {
            model->zeroGrad();
            const torch::Tensor loss = model->loss(x, y);
            loss.backward();
            opt.step();
            (step == 0 ? first : last) = loss.item<double>();
        }
        QVERIFY2(last < 0.3 * first, qPrintable(QStringLiteral("loss %1 → %2").arg(first).arg(last)));
    }
};

QTEST_GUILESS_MAIN(TestModel)
#include "tst_model.moc"
