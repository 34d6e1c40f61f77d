"""Studies: the manifest (samples, measurements, settings), tasks with incremental keys, and
(later) the pipeline that runs them into the results database (:mod:`sselab.store`)."""
