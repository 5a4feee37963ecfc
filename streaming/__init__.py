"""Between the web edge and the pipeline: clients, sources, renditions, mailboxes, workers."""
