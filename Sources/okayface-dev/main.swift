print("okayface-dev")
