"""The Streamlit dashboard: pages read marts through dashboard/data.py only."""
