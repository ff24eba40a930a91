"""nbgrader's execution step, sandboxed: :class:`SandboxedExecute` replaces its ``Execute`` preprocessor.

In a grading run the notebooks ran on a worker already and the step takes their outputs
(:func:`autograder.execution.sandbox.outputs_from_worker`); called on its own, it runs each
notebook in the sandbox itself (:func:`autograder.execution.sandbox.run_notebook`). Kept apart
from :mod:`autograder.execution.sandbox` because it needs nbgrader, which a worker does not.
"""
from __future__ import annotations

from pathlib import Path

from nbgrader.preprocessors import Execute
from traitlets import Bool, Integer, List, Unicode

from autograder.execution import bwrap, sandbox
from autograder.execution.bwrap import Limits
from autograder.execution.outcomes import GRADED, record_outcome


class SandboxedExecute(Execute):
    """nbgrader's Execute step, run in a bubblewrap sandbox (configure as ``SandboxedExecute`` or ``Execute``).

    ``timeout`` (per cell) is inherited from Execute, so ``c.Execute.timeout`` applies.
    After each notebook the outcome is in ``resources["sandbox"]``; one that is not
    ``graded`` is also passed to :func:`autograder.execution.outcomes.record_outcome`.
    """

    allow_unsandboxed = Bool(False, help="Run student code without a sandbox where none is available. "
                                         "Unsafe: the code runs as you.").tag(config=True)
    use_sandbox = Bool(True, help="False runs student code without bubblewrap even where it works (only to "
                                  "measure the sandbox's cost; needs allow_unsandboxed).").tag(config=True)
    notebook_timeout = Integer(600, help="Seconds one notebook may run in total before it is killed.").tag(config=True)
    memory_limit = Integer(2 * 1024**3, help="Address-space limit (bytes) of every sandboxed process.").tag(config=True)
    max_processes = Integer(256, help="Process and thread limit of the sandbox user (RLIMIT_NPROC).").tag(config=True)
    sandbox_uid = Integer(bwrap.DEFAULT_SANDBOX_UID, help="uid the student code runs as when grading as root.").tag(config=True)
    hide_paths = List(Unicode(), help="More folders to cover with an empty one if they lie inside a mounted folder.").tag(config=True)

    def limits(self) -> Limits:
        return Limits(cell_timeout=int(self.timeout or 30), notebook_timeout=self.notebook_timeout,
                      memory_bytes=self.memory_limit, max_processes=self.max_processes)

    def preprocess(self, nb, resources=None, km=None):
        resources = resources if resources is not None else {}
        executed = resources.get(sandbox.EXECUTED_KEY)
        if executed is not None:
            # A worker already ran this notebook (autograder.execution.workers): take only its outputs.
            result = sandbox.outputs_from_worker(nb, executed)
        else:
            result = self._run_here(nb, resources)
        record = {"status": result.status, "detail": result.detail, "seconds": round(result.seconds, 3),
                  "sandboxed": result.sandboxed}
        resources["sandbox"] = record
        name = resources.get("unique_key")
        if result.status != GRADED:
            record_outcome(resources, result.status, result.detail)
        log = self.log.info if result.status == GRADED else self.log.warning
        log("Sandboxed run of %s: %s (%s, %.1f s)", name or "notebook", result.status, result.detail, result.seconds)
        return result.notebook, resources

    def sandboxed(self) -> bool:
        """Whether notebooks run in the sandbox here; raises SandboxUnavailable if they may not run at all."""
        if self.use_sandbox:
            return sandbox.require_sandbox(self.allow_unsandboxed, self.sandbox_uid)
        if self.allow_unsandboxed:
            return False
        raise sandbox.SandboxUnavailable("SandboxedExecute.use_sandbox = False needs allow_unsandboxed = True as well")

    def _run_here(self, nb, resources) -> sandbox.RunResult:
        sandboxed = self.sandboxed()
        if not sandboxed:
            self.log.warning("Running student code WITHOUT a sandbox (allow_unsandboxed is set)")
        folder = resources.get("metadata", {}).get("path") or None
        return sandbox.run_notebook(nb, files_from=Path(folder) if folder else None, limits=self.limits(),
                                    sandboxed=sandboxed, uid=self.sandbox_uid, hide=tuple(Path(p) for p in self.hide_paths))
