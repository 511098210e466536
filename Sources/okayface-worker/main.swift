print("okayface-worker")
