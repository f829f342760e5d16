"""Smart dispatch (智能派单): the text machinery behind the suggestions, duplicates and common-problem
clusters. Nothing here writes to the database; cases.services.smart_dispatch does, and keeps the records."""
