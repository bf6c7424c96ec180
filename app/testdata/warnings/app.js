function init() { sys.logs.info('started'); }
