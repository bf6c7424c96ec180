function tick(event) {}
