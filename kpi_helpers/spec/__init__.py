"""What a client is: the KPI catalog, goals, params files and the agency file (data, no I/O of client data)."""
