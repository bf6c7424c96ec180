function finishAction(record, oldRecord, action) { return null; }
