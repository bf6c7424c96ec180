function tick(event) { log('tick'); }
