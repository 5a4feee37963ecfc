"""Per-client sessions, newest-frame-wins mailboxes and the worker pool, between Socket.IO and the pipeline."""
