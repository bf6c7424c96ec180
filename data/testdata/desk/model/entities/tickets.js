// The data service's tests run these actions through a stand-in engine:
// the scripts are here so the app loads; their bodies are not run.
function closeAction(record, oldRecord, action) {}
function escalateAction(record, oldRecord, action) {}
function canReopen(record) { return record.field('status').val() === 'closed'; }
function reopenAction(record, oldRecord, action) {}
function claimAction(record, oldRecord, action) { return {claimed: record.id()}; }
function reportAction(query, action) {}
function statsAction(action) { return {}; }
