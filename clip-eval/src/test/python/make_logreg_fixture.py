#!/usr/bin/env python3
"""Writes clip-eval/src/test/resources/dev/jclip/eval/logreg_sklearn.json: a fixed synthetic feature set and
scikit-learn's LogisticRegression(solver="lbfgs", multinomial) fits on it at several C.

Run with Debian's python (apt-get install python3-sklearn):  /usr/bin/python3 clip-eval/src/test/python/make_logreg_fixture.py
The Java test (LogisticRegressionSklearnTest) fits the same data and compares accuracy, objective and coefficients.
"""
import json
import os
import sys

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression

OUT = os.path.join(os.path.dirname(__file__), "..", "resources", "dev", "jclip", "eval", "logreg_sklearn.json")
N_TRAIN, N_TEST, DIMS, CLASSES = 300, 200, 32, 5
C_VALUES = [0.01, 0.3, 10.0]

rng = np.random.default_rng(20240607)
# Overlapping Gaussians: class means at distance ~1.5 sigma, so the fit is not separable and C matters.
means = rng.normal(0.0, 0.35, size=(CLASSES, DIMS))


def sample(n):
    y = np.arange(n) % CLASSES
    rng.shuffle(y)
    x = means[y] + rng.normal(0.0, 1.0, size=(n, DIMS))
    return np.round(x, 4), y  # rounded so the JSON text holds exactly the values sklearn saw


x_train, y_train = sample(N_TRAIN)
x_test, y_test = sample(N_TEST)


def objective(clf, x, y, c):
    z = x @ clf.coef_.T + clf.intercept_
    m = z.max(axis=1, keepdims=True)
    lse = np.log(np.exp(z - m).sum(axis=1)) + m[:, 0]
    ce = (lse - z[np.arange(len(y)), y]).sum()
    return float(c * ce + 0.5 * (clf.coef_ ** 2).sum())


fits = []
for c in C_VALUES:
    clf = LogisticRegression(C=c, solver="lbfgs", multi_class="multinomial", tol=1e-10, max_iter=100000)
    clf.fit(x_train, y_train)
    fits.append({
        "C": c,
        "train_accuracy": float(clf.score(x_train, y_train)),
        "test_accuracy": float(clf.score(x_test, y_test)),
        "objective": objective(clf, x_train, y_train, c),
        "iterations": int(clf.n_iter_[0]),
        "coef": np.round(clf.coef_, 8).tolist(),
        "intercept": np.round(clf.intercept_, 8).tolist(),
    })
    print(f"C={c}: train {fits[-1]['train_accuracy']:.4f} test {fits[-1]['test_accuracy']:.4f} "
          f"objective {fits[-1]['objective']:.6f} iterations {fits[-1]['iterations']}", file=sys.stderr)

doc = {
    "generator": "clip-eval/src/test/python/make_logreg_fixture.py",
    "sklearn_version": sklearn.__version__,
    "num_classes": CLASSES,
    "train_x": x_train.tolist(), "train_y": y_train.tolist(),
    "test_x": x_test.tolist(), "test_y": y_test.tolist(),
    "fits": fits,
}
tmp = OUT + ".tmp"
with open(tmp, "w") as f:
    json.dump(doc, f, separators=(",", ":"))
os.replace(tmp, OUT)
print(f"wrote {OUT} ({os.path.getsize(OUT)} bytes)", file=sys.stderr)
