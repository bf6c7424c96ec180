function archiveAction(record, oldRecord, action) { return null; }
