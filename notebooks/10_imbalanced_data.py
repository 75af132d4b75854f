# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: -all
#     formats: ipynb,py:percent
#     notebook_metadata_filter: kernelspec,jupytext,-jupytext.text_representation.jupytext_version
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/dl-course/dl-course/blob/main/notebooks/10_imbalanced_data.ipynb) [![Open In Kaggle](https://kaggle.com/static/images/open-in-kaggle.svg)](https://kaggle.com/kernels/welcome?src=https://github.com/dl-course/dl-course/blob/main/notebooks/10_imbalanced_data.ipynb) [![Launch Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/dl-course/dl-course/HEAD?labpath=notebooks%2F10_imbalanced_data.ipynb)
# # 10 · Imbalanced data: what rebalancing really buys
#
# In the churn table of lesson 08 only 26.5 % of customers leave. A common "fix" for such
# imbalance is to resample, report a big jump in F1, and stop there. This lesson measures each
# remedy honestly: every method is trained on the **training split only** and judged on the
# same **untouched test split with its natural class rates**.
#
# **Goals.** You will
#
# 1. see why accuracy lies on imbalanced data;
# 2. apply class weights, random under- and over-sampling, SMOTE, an ensemble of balanced
#    models, and focal loss, and compare them in one table;
# 3. separate what rebalancing changes (mostly the operating point) from what the decision
#    threshold alone can do;
# 4. choose a method on validation data, and say how sure the test numbers are;
# 5. see, on numbers, how resampling *before* the split inflates the score.

# %%
# Set-up (the same cell opens every lesson): make the course's `helpers` importable (on Colab or
# Kaggle, fetch the course first), then seed everything, quiet TensorFlow and read QUICK mode.
import os
import subprocess
import sys
from pathlib import Path

COURSE_REPO = "https://github.com/dl-course/dl-course"  # as in pyproject.toml; a fork edits both
HOSTED = "google.colab" in sys.modules or "KAGGLE_KERNEL_RUN_TYPE" in os.environ  # Colab, Kaggle


def is_course_folder(folder: Path) -> bool:  # the course's own helpers, not any folder of that name
    project = folder / "pyproject.toml"
    return (
        (folder / "helpers" / "environment.py").is_file()
        and project.is_file()
        and ('name = "dlcourse-helpers"' in project.read_text(encoding="utf-8"))
    )


if HOSTED and not is_course_folder(Path("dl-course")):  # (Binder starts in the course folder)
    clone = subprocess.run(
        ["git", "clone", "--depth", "1", COURSE_REPO, "dl-course"], capture_output=True, text=True
    )
    if clone.returncode != 0:
        raise RuntimeError(
            f"Could not clone the course from {COURSE_REPO}:\n{clone.stderr}"
            "Check the address (on Kaggle, also turn on Internet in the notebook's "
            "settings); for a fork, set COURSE_REPO above to the fork's."
        )
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "-e", "dl-course"], check=True)
for folder in (Path.cwd(), *Path.cwd().parents, Path("dl-course").resolve()):
    if is_course_folder(folder):
        sys.path.insert(0, str(folder))
        break
try:
    import helpers
except ModuleNotFoundError as error:
    raise ModuleNotFoundError(
        f"{error}. Install the course: in the course folder run "
        "pip install -r requirements.txt, then restart the kernel."
    ) from error

QUICK, SEED = helpers.setup()

# %%
import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from imblearn.over_sampling import SMOTE, RandomOverSampler
from imblearn.under_sampling import RandomUnderSampler
from IPython.display import display
from sklearn.model_selection import train_test_split
from sklearn.utils.class_weight import compute_class_weight

from helpers import checks, churn, exercises, training
from helpers import evaluation as ev

EPOCHS = 6 if QUICK else 300  # upper bound; early stopping picks the epoch
PATIENCE = 2 if QUICK else 10
N_MEMBERS = 2 if QUICK else 5  # models in the balanced ensemble
BATCH = 256

# %% [markdown]
# ## 1. The data, exactly as in lesson 08
#
# The cleaning functions built in lesson 08, then the same stratified 70/10/20 split, then
# the preprocessor fitted on training rows only.

# %%
data = churn.clean_telco(helpers.datasets.load_telco_churn())
X, y = churn.features_and_target(data)
X_train, X_val, X_test, y_train, y_val, y_test = ev.train_val_test_split(
    X, y, val_size=0.1, test_size=0.2, seed=SEED
)
preprocessor = churn.make_preprocessor(X_train)
A_train = preprocessor.fit_transform(X_train).astype("float32")
A_val = preprocessor.transform(X_val).astype("float32")
A_test = preprocessor.transform(X_test).astype("float32")
print(f"train {A_train.shape}, validation {A_val.shape}, test {A_test.shape}")
print(
    f"churn rate: train {y_train.mean():.3f}, validation {y_val.mean():.3f}, "
    f"test {y_test.mean():.3f}"
)

# %% [markdown]
# ## 2. Why accuracy lies
#
# A "model" that always answers *stays* never finds a churner, yet its accuracy is the share
# of stayers:

# %%
baseline = ev.binary_metrics(y_test, np.zeros(len(y_test)))
print(
    f"always 'stays': accuracy {baseline['accuracy']:.3f}, churn recall "
    f"{baseline['recall']:.3f}, churn F1 {baseline['f1']:.3f}"
)


# %% [markdown]
# 73 % accuracy for a useless model. So we judge every method by the churn class:
# precision $= TP/(TP+FP)$, recall $= TP/(TP+FN)$ and
# $F_1 = 2\,\text{precision}\cdot\text{recall}/(\text{precision}+\text{recall})$ at a threshold,
# plus two threshold-free ranking scores, ROC-AUC and PR-AUC (lesson 08).
#
# One function, `train`, trains a model the same way for every method (`train_and_predict`
# then scores the validation and test rows with it): the network of lesson 08
# (`churn.build_model`, with a larger learning rate and batch to keep the lesson fast), early
# stopping on the **natural-distribution validation split**, monitoring validation AUC. (The
# validation *loss* would be the wrong referee here: after re-weighting or resampling, the
# training objective is a different loss from the plain one measured on validation rows.)


# %%
def train(A, labels, validation, class_weight=None, loss="binary_crossentropy"):
    """One network trained on (A, labels), stopped early on `validation` = (rows, labels)."""
    model = churn.build_model(A.shape[1], learning_rate=3e-3, loss=loss)
    training.fit_with_early_stopping(
        model,
        (A, labels),
        validation,
        epochs=EPOCHS,
        batch_size=BATCH,
        patience=PATIENCE,
        class_weight=class_weight,
        monitor="val_auc",
    )
    return model


def train_and_predict(A, labels, class_weight=None, loss="binary_crossentropy"):
    """Train one network on (A, labels); return its churn probabilities on validation and test."""
    model = train(A, labels, (A_val, y_val), class_weight=class_weight, loss=loss)
    return model.predict(A_val, verbose=0)[:, 0], model.predict(A_test, verbose=0)[:, 0]


scores = {}  # method -> (validation probabilities, test probabilities)
scores["plain"] = train_and_predict(A_train, y_train)

# %% [markdown]
# ## 3. Class weights
#
# Keep every row, but make each churner count more in the loss. The "balanced" weights
# $w_c = \dfrac{n}{2\,n_c}$ ($n$ rows, $n_c$ of class $c$) make both classes weigh the same in
# total:
#
# $$ L = -\frac{1}{n}\sum_{i=1}^{n} w_{y_i}\,\big[y_i \log \hat p_i + (1-y_i)\log(1-\hat p_i)\big]. $$

# %%
weights = compute_class_weight("balanced", classes=np.array([0, 1]), y=y_train)
class_weight = {0: float(weights[0]), 1: float(weights[1])}
print("class weights:", {k: round(v, 3) for k, v in class_weight.items()})
scores["class weights"] = train_and_predict(A_train, y_train, class_weight=class_weight)

# %% [markdown]
# ## 4. Random under- and over-sampling (training split only)
#
# *Under-sampling* throws away stayers at random until both classes are equally common: fast,
# but it discards almost half of the training rows. *Over-sampling* repeats churners at
# random until they are as many as the stayers: nothing is lost, but the repeated rows invite
# memorising.
# The samplers only ever see `A_train`; validation and test keep their natural rates.

# %%
A_under, y_under = RandomUnderSampler(random_state=SEED).fit_resample(A_train, y_train)
A_over, y_over = RandomOverSampler(random_state=SEED).fit_resample(A_train, y_train)
pd.DataFrame(
    {
        "rows": [len(y_train), len(y_under), len(y_over)],
        "churners": [y_train.sum(), y_under.sum(), y_over.sum()],
        "churn rate": [y_train.mean(), y_under.mean(), y_over.mean()],
    },
    index=["training split", "under-sampled", "over-sampled"],
).round(3)

# %%
scores["under-sampling"] = train_and_predict(A_under, y_under)
scores["over-sampling"] = train_and_predict(A_over, y_over)

# %% [markdown]
# ## 5. SMOTE
#
# SMOTE makes *new* churners instead of copies: for a churner $x_i$ it picks one of its $k=5$
# nearest churner neighbours $x_j$ and a random $\lambda \in [0, 1]$, and adds
# $x_\text{new} = x_i + \lambda\,(x_j - x_i)$.
#
# We apply it to the already-encoded training matrix `A_train` (scaled numbers and one-hot
# columns). Interpolating there is fine for the scaled numbers, but wherever the two
# neighbours differ in a category it makes fractional one-hot values: a customer who is, say,
# partly on a one-year contract and partly month-to-month (the cell below prints how many of
# the synthetic rows are like that, and one of them). The network accepts that; `SMOTENC` in imbalanced-learn is the variant that keeps categorical columns discrete
# if you need real-looking rows. Either way: it is fitted on training rows only, because its
# neighbours must not come from the test set.

# %%
A_smote, y_smote = SMOTE(random_state=SEED).fit_resample(A_train, y_train)
contract = [
    i for i, name in enumerate(preprocessor.get_feature_names_out()) if name.startswith("Contract_")
]
synthetic = A_smote[len(A_train) :]  # imbalanced-learn appends the new rows
fractional = ~np.all(np.isin(synthetic[:, contract], [0, 1]), axis=1)
print(
    f"{len(synthetic)} synthetic churners; {fractional.mean():.0%} have a fractional "
    "Contract one-hot, e.g.",
    synthetic[fractional][0, contract].round(2),
)
scores["SMOTE"] = train_and_predict(A_smote, y_smote)

# %% [markdown]
# ## 6. An ensemble of balanced models
#
# Under-sampling wastes stayers; an ensemble puts them back. Train `N_MEMBERS` networks, each
# on *all* churners plus a *different* random subset of stayers of the same size, and
# average their probabilities. (For scikit-learn estimators imbalanced-learn packages this as
# `BalancedBaggingClassifier`; for Keras models the loop is four lines.) Averaging several
# networks can help on its own, balanced or not, so part of any gain this method shows may be
# the averaging's; a like-for-like check would average as many plain networks.

# %%
member_scores = []
for member_seed in helpers.run_seeds(N_MEMBERS):
    sampler = RandomUnderSampler(random_state=member_seed)  # a different subset each time
    A_k, y_k = sampler.fit_resample(A_train, y_train)
    member_scores.append(train_and_predict(A_k, y_k))
scores["balanced ensemble"] = tuple(
    np.mean([s[part] for s in member_scores], axis=0) for part in (0, 1)
)

# %% [markdown]
# ## 7. Focal loss
#
# Focal loss changes the loss instead of the data. With $p_t = \hat p$ for a churner and
# $p_t = 1-\hat p$ for a stayer (the probability given to the *true* class), and
# $\alpha_t = \alpha$ for a churner, $1-\alpha$ for a stayer:
#
# $$ \text{FL}(p_t) = -\,\alpha_t\,(1-p_t)^{\gamma}\,\log p_t . $$
#
# With $\gamma = 0$ and no $\alpha$ it is the cross-entropy $-\log p_t$. The factor
# $(1-p_t)^\gamma$ shrinks the loss of **easy, well-classified** examples: it targets easy
# versus hard, not majority versus minority. The class balance is the separate $\alpha$ term.
# Here is the down-weighting on numbers, with Keras's `BinaryFocalCrossentropy` checked
# against the formula:

# %%
gamma, alpha = 2.0, 0.75
p_true = np.array([0.95, 0.8, 0.5, 0.2])  # probability the model gives the true class
factor = (1 - p_true) ** gamma
table = pd.DataFrame(
    {
        "p_t": p_true,
        "cross-entropy -log p_t": -np.log(p_true),
        "(1 - p_t)^γ": factor,
        "focal (no α)": -factor * np.log(p_true),
    }
)
display(table.round(4))

# Keras, for churners (y = 1, so p_t = p and α_t = α) and stayers (y = 0, p_t = 1 - p):
focal = keras.losses.BinaryFocalCrossentropy(
    apply_class_balancing=True, alpha=alpha, gamma=gamma, reduction=None
)
y_pair = np.array([[1.0], [0.0]] * 2, dtype="float32")
p_pair = np.array([[0.9], [0.1], [0.3], [0.7]], dtype="float32")  # 2 easy, then 2 hard
keras_values = keras.ops.convert_to_numpy(focal(y_pair, p_pair))
p_t = np.where(y_pair[:, 0] == 1, p_pair[:, 0], 1 - p_pair[:, 0])
alpha_t = np.where(y_pair[:, 0] == 1, alpha, 1 - alpha)
by_hand = -alpha_t * (1 - p_t) ** gamma * np.log(p_t)
print("Keras  :", keras_values.round(6))
print("by hand:", by_hand.round(6))
assert np.allclose(keras_values, by_hand, rtol=1e-5, atol=1e-7)

# %% [markdown]
# An easy example ($p_t = 0.95$) keeps 0.25 % of its cross-entropy; a hard one
# ($p_t = 0.2$) keeps 64 %. We train with $\gamma = 2$ and $\alpha = 0.75$, which weights
# churners three times as much as stayers.

# %%
focal_loss = keras.losses.BinaryFocalCrossentropy(
    apply_class_balancing=True, alpha=alpha, gamma=gamma
)
scores["focal loss"] = train_and_predict(A_train, y_train, loss=focal_loss)

# %% [markdown]
# ## 8. Choose on validation data, then look at the test split once
#
# Seven ways of training, and each needs a decision threshold. Threshold moving (lesson 08)
# gives every method the same treatment: the F1-maximising threshold chosen on the
# **validation** split. For the plain model this is the seventh way of handling imbalance,
# **threshold moving**, the only one that leaves training alone.
#
# Which method do we use? That is model selection, so it is decided on **validation** data:
# the method whose validation F1 (at its own validation threshold) is highest. The test split
# is not consulted. (Those validation F1s are a little optimistic, because the threshold was
# tuned on the same rows that score it, and not equally so for every method: one whose F1
# curve over thresholds is more jagged gains more from the tuning, and the same rows also chose
# each model's epoch. A small validation lead is therefore weak evidence; the test split, with
# the intervals below, is where the chosen method is judged.)

# %%
selection = {}
for name, (p_val, _) in scores.items():
    t = ev.choose_threshold(y_val, p_val)
    selection[name] = {
        "val. F1 at 0.5": ev.binary_metrics(y_val, p_val, 0.5)["f1"],
        "val. threshold": t,
        "val. F1 at val. threshold": ev.binary_metrics(y_val, p_val, t)["f1"],
    }
selection = pd.DataFrame(selection).T
chosen = selection["val. F1 at val. threshold"].idxmax()
chosen_threshold = selection.loc[chosen, "val. threshold"]
print(f"chosen on validation data: {chosen}, threshold {chosen_threshold:.2f}")
selection.round(3)

# %% [markdown]
# Now every method on the test split, once: at the default threshold 0.5, and with its
# validation-chosen threshold (the row "threshold moving" is the plain model at its own).
# The chosen method is marked; the others are reported, not ranked.

# %%
rows = {}
for name, (_, p_test) in scores.items():
    rows[name] = ev.binary_metrics(y_test, p_test, 0.5)
    if name == "plain":
        t = selection.loc["plain", "val. threshold"]
        rows["threshold moving"] = ev.binary_metrics(y_test, p_test, t)
results = pd.DataFrame(rows).T[["threshold", "precision", "recall", "f1", "roc_auc", "pr_auc"]]
results["F1 at val. threshold"] = [
    ev.binary_metrics(y_test, scores[name][1], selection.loc[name, "val. threshold"])["f1"]
    if name in scores
    else results.loc[name, "f1"]
    for name in results.index
]
# The plain model at its validation threshold *is* threshold moving: mark that row if it wins.
chosen_row = "threshold moving" if chosen == "plain" else chosen
results["chosen"] = ["◀" if name == chosen_row else "" for name in results.index]
results.round(3)

# %% [markdown]
# **How sure are these numbers?** The test split has about 1,400 customers, 370 of them
# churners, so every F1 above carries sampling noise, and a different seed (a different split,
# different initial weights, different validation thresholds) moves each number as well. A
# *bootstrap* shows the first part only: draw the test rows with replacement many times,
# recompute F1 each time, and read the middle 95 % of the values. The bootstrap takes every
# method **at its validation threshold**, the decisions the chosen method is reported with,
# because the question of goal 3 is whether a method does better than moving the threshold
# alone. So the last two columns give each method's F1 *minus threshold moving's* (the plain
# model at its validation threshold) on the same resampled rows, a paired comparison: an
# interval that contains 0 means this test split cannot tell the two apart. (Against the
# plain model at 0.5 almost every method would look better, but that gain is mostly the
# threshold's, not the method's.)

# %%
at_val_threshold = {
    "threshold moving" if name == "plain" else name: (
        p_test >= selection.loc[name, "val. threshold"]
    ).astype(int)
    for name, (_, p_test) in scores.items()
}
uncertainty = ev.bootstrap_f1(y_test, at_val_threshold, reference="threshold moving", seed=SEED)
display(uncertainty.round(3))
differences = uncertainty.drop(index="threshold moving")
clearly_better = differences.index[differences["minus threshold moving: low"] > 0].tolist()
chosen_low, chosen_high = uncertainty.loc[chosen_row, ["f1 low", "f1 high"]]
print(
    f"chosen on validation: {chosen_row}, test F1 {uncertainty.loc[chosen_row, 'f1']:.3f} "
    f"(95 % bootstrap interval {chosen_low:.3f} to {chosen_high:.3f})"
)
print(
    f"F1 intervals are {(uncertainty['f1 high'] - uncertainty['f1 low']).mean():.3f} wide on "
    f"average; methods whose whole interval of the difference lies above threshold moving: "
    f"{clearly_better or 'none'}"
)

# %%
ev.plot_roc_pr(y_test, {name: s[1] for name, s in scores.items()}, title="Test set")
plt.show()

spread = pd.DataFrame(
    {
        name: {
            f"mean p (churn rate {y_test.mean():.3f})": p.mean(),
            "sd of p": p.std(),
            "churners with p ≥ 0.5": np.mean(p[y_test == 1] >= 0.5),
            "stayers with p ≥ 0.5": np.mean(p[y_test == 0] >= 0.5),
        }
        for name, (_, p) in scores.items()
    }
).T
fig, axes = plt.subplots(1, 2, figsize=(11, 3.5), sharex=True)
for ax, label, who in ((axes[0], 1, "churners"), (axes[1], 0, "stayers")):
    for name, (_, p_test) in scores.items():
        ax.hist(p_test[y_test == label], bins=30, range=(0, 1), histtype="step", label=name)
    ax.axvline(0.5, color="k", ls="--", lw=1)
    ax.set(
        xlabel=f"predicted churn probability of test {who}", ylabel="customers", title=f"Test {who}"
    )
axes[0].legend(fontsize=8)
fig.tight_layout()
plt.show()
spread.round(3)

# %% [markdown]
# **Reading the tables.**
#
# * At 0.5, the rebalancing methods trade precision for recall. Resampling and class weights
#   push the predicted probabilities *up* for everyone: more churners cross 0.5 (left panel),
#   and so do more stayers (right panel): those are the new false alarms. Compare the two
#   "≥ 0.5" columns of the last table with the plain row. Focal loss works differently: its
#   factor $(1-p_t)^\gamma$ stops pushing on examples the model already gets right, so its
#   probabilities do not run out to 0 and 1 but stay nearer the middle (its "sd of p" next to
#   the others'), and $\alpha = 0.75$ moves that middle up.
# * The ranking scores, ROC-AUC and PR-AUC, hardly move between methods: no method learns to
#   *separate* churners from stayers much better. Rebalancing mostly **moves the operating
#   point**, and threshold moving moves it too, with no change to training.
# * One run on one split cannot rank methods whose F1 differ by a few hundredths: the
#   bootstrap intervals are several hundredths wide, and the seed adds its own spread
#   (the README reports the mean ± sd over three seeds). The line printed under the bootstrap
#   table names the methods, if any, whose interval of the difference lies wholly above 0.
#   Read such a name with care. The bootstrap resamples the test rows but keeps these trained
#   networks and their thresholds fixed: it says that *these networks* did better than this
#   plain network on rows like these, not that the *method* does. Another seed trains other
#   networks, and a gap of two or three hundredths can change sign; with six intervals at
#   95 %, one may also clear 0 by chance. A method has earned its extra machinery only if its
#   gain repeats over seeds (run the lesson with `DLCOURSE_SEED` set to a few values); until
#   then threshold moving, which changes nothing in training, is the simpler choice. And a name
#   on that line does not overturn the choice made on validation data: switching to it would
#   be choosing a method by its test score.
# * The probabilities of a rebalanced model are no longer calibrated: its mean predicted
#   probability is far above the real churn rate (first column of the last table), so its 0.5
#   does not mean a 50 % risk. If you need probabilities, do not rebalance: keep the plain
#   model, whose mean probability is close to the churn rate, and move its threshold (or
#   recalibrate on validation data).

# %%
# Check: what holds on the natural-distribution test split for every seed.
plain_f1 = results.loc["plain", "f1"]
chosen_f1 = results.loc[chosen_row, "F1 at val. threshold"]
rebalancing = [name for name in scores if name != "plain"]
print(f"chosen on validation: {chosen_row}, test F1 {chosen_f1:.3f}; plain at 0.5: {plain_f1:.3f}")
assert abs(y_test.mean() - y.mean()) < 0.005, "the test split keeps its natural churn rate"
assert (results.loc[rebalancing, "recall"] > results.loc["plain", "recall"]).all(), (
    "rebalancing should flag more churners at 0.5 than the plain model"
)
assert (spread.loc[rebalancing, spread.columns[0]] > spread.loc["plain", spread.columns[0]]).all()
assert chosen_f1 >= (0.55 if QUICK else 0.58), "churn F1 of the method chosen on validation"

# %% [markdown]
# ## 9. What resampling *before* the split does wrong
#
# The mistake: over-sample the whole table, then split. Two things go wrong at once:
#
# 1. copies of the same churner land in both training and test, so the test set checks
#    memory, not generalisation;
# 2. the test set is now 50 % churners instead of 26.5 %, and precision (hence F1) is much
#    easier on a balanced set.
#
# (The leaky version below also fits the preprocessor on all rows: the usual companion mistake.)

# %%
leaky_pre = churn.make_preprocessor(X)
A_all = leaky_pre.fit_transform(X).astype("float32")
A_all_over, y_all_over = RandomOverSampler(random_state=SEED).fit_resample(A_all, y)
A_tr_bad, A_te_bad, y_tr_bad, y_te_bad = train_test_split(
    A_all_over, y_all_over, test_size=0.2, stratify=y_all_over, random_state=SEED
)
A_tr_bad, A_va_bad, y_tr_bad, y_va_bad = train_test_split(
    A_tr_bad, y_tr_bad, test_size=0.125, stratify=y_tr_bad, random_state=SEED
)

train_rows = {row.tobytes() for row in A_tr_bad}
seen = np.array([row.tobytes() in train_rows for row in A_te_bad])
print(
    f"leaky test set: churn rate {y_te_bad.mean():.2f}; "
    f"{seen[y_te_bad == 1].mean():.0%} of its churners also appear in training"
)

bad_model = train(A_tr_bad, y_tr_bad, (A_va_bad, y_va_bad))  # trained like every method above
leaky_f1 = ev.binary_metrics(y_te_bad, bad_model.predict(A_te_bad, verbose=0))["f1"]
honest_f1 = results.loc["over-sampling", "f1"]
pd.DataFrame(
    {"churn F1 at 0.5": [leaky_f1, honest_f1]},
    index=["over-sampled before the split (wrong)", "over-sampled training split only (honest)"],
).round(3)

# %%
# Check: the leaky procedure reports a clearly higher, meaningless F1.
assert leaky_f1 > honest_f1 + 0.05

# %%
helpers.record(
    "10",
    f1_chosen=chosen_f1,
    f1_chosen_ci_low=chosen_low,
    f1_chosen_ci_high=chosen_high,
    f1_plain=plain_f1,
    f1_threshold_moving=results.loc["threshold moving", "f1"],
    roc_auc_chosen=results.loc[chosen_row, "roc_auc"],
    f1_leaky=leaky_f1,
    chosen_beats_threshold_moving=float(chosen_row in clearly_better),
)

# %% [markdown]
# > **Common mistakes**
# >
# > * **Resampling before the split.** Copies (or SMOTE neighbours) of test rows end up in
# >   training and the test set becomes balanced: the F1 above is inflated and says nothing
# >   about real customers. Split first; resample `X_train` only; evaluate on the natural
# >   distribution.
# > * **Resampling the validation set.** It picks epochs and thresholds, so it must look like
# >   the data the model will meet: natural class rates.
# > * **Crediting the resampler for a threshold effect.** Compare against the plain model with
# >   a validation-chosen threshold, and look at ROC-AUC / PR-AUC, which ignore the threshold.
# > * **Reading focal loss as a class-balancing loss.** $(1-p_t)^\gamma$ down-weights easy
# >   examples of either class; class balance is the separate $\alpha$ term (and Keras's
# >   default $\alpha = 0.25$ with `apply_class_balancing=True` *down*-weights the positives).
# > * **Trusting accuracy.** "Nobody churns" scores 73 %.
#
# ## Exercises
#
# **Exercise 1.** What accuracy does the always-"stays" model get on the *validation* split?
# Compute it from `y_val` alone.

# %%
always_stays_accuracy = ...
exercises.check_always_negative_accuracy(always_stays_accuracy, y_val)

# %% [markdown]
# **Exercise 2.** Another company's table: one customer in ten churns. With the "balanced"
# class weights $w_c = n / (2\,n_c)$ of section 3, how many times more does one churner weigh
# than one stayer, $w_1 / w_0$?

# %%
weight_ratio = ...  # a number
HINT_2 = "Write w_1 and w_0 with the formula of section 3 and divide: n and the 2 cancel."
checks.check_digest(weight_ratio, "6758fe1195fd25ae", exercise="10.2", hint=HINT_2, decimals=2)


# %% [markdown]
# **Exercise 3.** Write `focal_numpy(y, p, gamma, alpha)`, the per-example focal loss of section 7
# for arrays `y` (0/1) and `p` (predicted churn probability), in NumPy.


# %%
def focal_numpy(y, p, gamma, alpha):
    raise NotImplementedError  # replace with your code


exercises.check_focal_loss(focal_numpy)

# %% [markdown]
# **Exercise 4.** Which split(s) may a resampler be fitted on? Answer with a set of names
# from `"train"`, `"validation"`, `"test"`.

# %%
resample_on = ...
HINT_4 = "Validation and test must look like the customers the model will meet."
checks.check_digest(resample_on, "c7d50e3ed6a038f9", exercise="10.4", hint=HINT_4)

# %% [markdown]
# ## Solutions

# %%
# Exercise 1
always_stays_accuracy = np.mean(y_val == 0)
assert exercises.check_always_negative_accuracy(always_stays_accuracy, y_val)

# %%
# Exercise 2: w_1 / w_0 = (n / 2 n_1) / (n / 2 n_0) = n_0 / n_1 = 0.9 / 0.1 = 9. (For this
# lesson's training split it is the ratio of the two printed weights, about 2.8.)
weight_ratio = 0.9 / 0.1
assert checks.check_digest(
    weight_ratio, "6758fe1195fd25ae", exercise="10.2", hint=HINT_2, decimals=2
)


# %%
# Exercise 3
def focal_numpy(y, p, gamma, alpha):
    p = np.clip(p, 1e-7, 1 - 1e-7)
    p_t = np.where(y == 1, p, 1 - p)
    alpha_t = np.where(y == 1, alpha, 1 - alpha)
    return -alpha_t * (1 - p_t) ** gamma * np.log(p_t)


assert exercises.check_focal_loss(focal_numpy)

# %%
# Exercise 4
resample_on = {"train"}
assert checks.check_digest(resample_on, "c7d50e3ed6a038f9", exercise="10.4", hint=HINT_4)
