"""The Streamlit dashboard: pages read marts through the dashboard.data package only."""
