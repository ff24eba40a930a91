"""The execution layer: the bubblewrap sandbox, the notebook runner inside it, the Dask workers.

It runs sanitized notebooks and returns their outputs with a status (:mod:`.outcomes`); it
knows nothing of the gradebook, the judge or the pipeline that calls it. This file stays
empty: it is mounted in the sandbox (the runner lives in this package).
"""
