function init() { sys.logs.info('started'); }

function metrics() { return sys.monitoring.getMetrics(); }
