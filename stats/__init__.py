"""Statistics of the service: figures by period, charts drawn server-side, CSV and XLSX exports."""
