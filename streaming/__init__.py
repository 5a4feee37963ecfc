"""Between Socket.IO and the pipeline: clients, sources, newest-frame mailboxes and workers."""
