"""Named tolerances of the judge and the diagnosis, with the reasons for their sizes."""

from __future__ import annotations

from backprop.gradcheck import SMOOTH_TOLERANCE

#: Agreement with the reference: float64 rounding of the same maths written
#: another way (e.g. 1 - out cancelling near out = 1) stays far below this.
REFERENCE_TOLERANCE = 1e-9
#: Entries below this share of an array's largest entry are compared on that scale.
SCALE_SHARE = 1e-3
#: Agreement with the numerical gradient of a smooth function (central
#: differences with h = 1e-4 are good to about 1e-9 relative on our inputs).
NUMERIC_TOLERANCE = SMOOTH_TOLERANCE
#: Loss values: the book adds 1e-7 inside the log, which moves each sample's
#: loss by about 1e-7 / p (p = probability of the right class). Every case
#: keeps p >= MIN_RIGHT_CLASS_PROBABILITY, so the shift stays below 2e-6 and
#: the relative error below this.
LOSS_TOLERANCE = 1e-5
MIN_RIGHT_CLASS_PROBABILITY = 0.05
#: Relative agreement that counts as "the student made this known mistake";
#: loss outputs use LOSS_TOLERANCE for the same reason as above.
MATCH_TOLERANCE = 1e-6
#: A gradient checker must report below this for a right gradient...
GRADCHECK_SMALL = 1e-6
#: ...and above this for a wrong one (ours are off by a factor of 3).
GRADCHECK_LARGE = 1e-2
#: Accuracy the trained network must reach on held-out spiral points.
TRAIN_TARGET = 0.9
