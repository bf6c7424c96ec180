function onF(event, record, oldRecord) {}
