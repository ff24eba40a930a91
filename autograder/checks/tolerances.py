"""Named tolerances of the judge and the diagnosis, with the reasons for their sizes."""

from __future__ import annotations

from backprop.nn.expect import SCALE_SHARE  # noqa: F401  (re-exported for the judge)
from backprop.nn.gradcheck import SMOOTH_TOLERANCE

#: Agreement with the reference, the only thing a student's output is graded
#: against. Float64 rounding of the same maths written another way (e.g.
#: exp(-x) / (1 + exp(-x))**2 for sigmoid's slope, einsum for Affine, a softmax
#: Jacobian) stays below about 1e-12 on our cases (tests/test_judge.py has such
#: answers). Central differences with h = 1e-4 are off by about h**2 / 6 = 1.7e-9
#: of a slope like exp's (5e-10 to 1e-8 measured), so this tolerance also keeps a
#: finite-difference "backward" from passing for an analytic one.
REFERENCE_TOLERANCE = 1e-10
#: Entries below SCALE_SHARE of an array's largest entry are compared on that scale: the
#: visible tests' share (backprop.nn.expect), so both judge small entries alike.
#: Agreement of the *reference* with the numerical gradient of its own forward
#: pass (central differences with h = 1e-4 are good to about 1e-9 relative on our
#: inputs). It confirms the reference; a student's answer is not judged with it.
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
#: The spread of a weight matrix drawn as weight_init_std times standard normal draws,
#: in units of weight_init_std: its standard deviation is 1 and its mean 0, up to
#: sampling noise of about 1 / sqrt(2n) and 1 / sqrt(n) for n entries (n >= 3000 in the
#: checks: at most 0.013 and 0.018). This absolute tolerance is more than 5 such errors
#: wide (a right answer with another random generator fails about once in 10**7), and
#: far from what ignoring weight_init_std gives (0.01 where 0.5 was asked: 0.02).
SCALE_TOLERANCE = 0.1
