# contrib: what operators install beside the appliance (the Wireshark dissector,
# the Grafana dashboard, the systemd unit); their tests run with the integration suites.
INTEGRATION += tests/integration/test_dissector.sh
INTEGRATION += tests/integration/test_grafana.sh
INTEGRATION += tests/integration/test_install.sh
