"""The documents the service publishes (issue 13): the quarterly learning report and the annual
report section, as Word files (python-docx), from the live marts. ``figures`` reads the marts;
``quarterly`` writes the document; ``learning`` stores the Assistant Service Manager's words."""
