"""Background work: tasks dispatched after commit (in-process threads or Celery), the Celery
worker and beat, and the embedded sweeper that runs the periodic jobs."""
