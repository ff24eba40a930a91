# Import the installed helper package before pytest collects backprop/tests/.
# With --import-mode=importlib, a test file there is named "backprop.tests.test_x"
# (its path from the repo root), and pytest would otherwise create a stand-in
# namespace module "backprop" for the directory backprop/ -- which has no code,
# the package lives in backprop/src/ -- so `import backprop.graph` would fail.
import backprop  # noqa: F401
