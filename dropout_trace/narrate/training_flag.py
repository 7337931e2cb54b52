"""Words for `explain training-flag`, chosen from the facts computed in this run."""

from __future__ import annotations

from ..lessons.training_flag import Recipe, TrainingFlag
from ..page import Heading, Say, Table, Try
from .words import num

RECIPE_CALLS = ("model.predict(x)", "model(x)", "model(x, training=True)")  # Recipe's fields, in order

SUMMARY = "where training comes from; MC dropout and predict()"


def _yes(v: bool) -> str:
    return "yes" if v else "no"


def _flags(values: list) -> str:
    return ", ".join(str(v) for v in values) or "(layer not called)"


def _outcomes(r: Recipe) -> tuple[bool, bool, bool]:
    return r.predict, r.call, r.call_training


def _recipe_words(f: TrainingFlag) -> list[str]:
    k, v = f.keras, f.keras_version
    if f.rate == 0:
        return []  # nothing drops at rate 0, so the recipe's outcome says nothing about the flag
    out = []
    if k.predict:
        out.append(f"Keras {v}: predict() kept dropout on for this recipe.")
    elif k.call and f.flags["model.predict"] == [False]:
        text = (f"Keras {v}: predict() passes training=False, and a flag the caller passes wins over the "
                "training=True written at construction: no dropout through predict().")
        if f.flags["model(x)"] == [None]:
            text += " model(x) passes None, so there the construction-time True still holds."
        out.append(text)
    else:
        out.append(f"Keras {v}: no dropout through predict().")
    if k.call_training and not k.predict:
        out.append("What keeps dropout on: model(x, training=True).")
    t = f.tf_keras
    if t is None:
        out.append(f"tf-keras could not be imported here ({f.tf_keras_error}), so Keras 2 was not measured.")
    elif t.predict and not k.predict:
        out.append(f"tf-keras {f.tf_keras_version} (Keras 2) keeps the construction-time training=True even "
                   "under predict(): the same recipe drops there, so code written for Keras 2 changes "
                   "behaviour silently under Keras 3.")
    elif t.predict:
        out.append(f"tf-keras {f.tf_keras_version} (Keras 2) drops under predict() too.")
    else:
        out.append(f"tf-keras {f.tf_keras_version} (Keras 2) gives no dropout through predict() either.")
    return out


def page(f: TrainingFlag, p) -> list:
    r = num(f.rate)
    blocks = [Say(f"Dropout drops only when its call receives training=True. Dropout({r}) on ones: does the "
                  "output differ from the input?"),
              Table(("call", "output != input"),
                    (("layer(x)", _yes(f.direct_default)),
                     ("layer(x, training=True)", _yes(f.direct_training))))]
    if f.rate == 0 and not f.direct_training:
        blocks.append(Say("At rate 0 the layer returned its input whatever the flag; try --rate 0.3."))
    elif f.direct_training and not f.direct_default:
        blocks.append(Say("With no flag, a direct call does not drop."))
    blocks += [Heading("Who passes the flag"),
               Say("A layer in a tiny functional model recorded the training value its call received:"),
               Table(("run", "training received"), tuple((name, _flags(v)) for name, v in f.flags.items())),
               Heading("The MC-dropout recipe"),
               Say(f"y = Dropout({r})(inp, training=True) in a functional model. Output != input?")]
    t = f.tf_keras
    header = ("call", f"Keras {f.keras_version}") + ((f"tf-keras {f.tf_keras_version}",) if t else ())
    columns = [_outcomes(f.keras)] + ([_outcomes(t)] if t else [])
    blocks.append(Table(header, tuple((call, *(_yes(c[i]) for c in columns)) for i, call in enumerate(RECIPE_CALLS))))
    blocks += [Say(s) for s in _recipe_words(f)]
    blocks.append(Try(f"dropout-trace run --rate {p.rate:g} --shape None,4 --no-training"))
    return blocks
