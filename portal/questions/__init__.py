"""What a report asks: the forms and their validation messages, shared by the public pages and the staff side."""
