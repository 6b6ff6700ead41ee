"""The trainer's workflow: the inbox of messages the assistant did not
understand, labelling, the train-and-deploy job, its API and page.
"""
