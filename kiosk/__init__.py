"""The kiosk (borne) bridge: reads the card reader, asks the Coffre server, shows the answer on a local page."""
