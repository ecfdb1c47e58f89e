"""Text of the official SETU Planning OpenAPI (planning.yml): GENERATED, do not edit.

Title, tags and every operation's summary, tags and parameter descriptions, read
by tools/generate_openapi_operations.py from the official document (MIT
license). Regenerate with ``python tools/generate_openapi_operations.py``.
"""

# fmt: off
TITLE = 'SETU API for Planning and Scheduling'

DESCRIPTION = ('Set of API specifications that allows for exchange of information related to the planning and scheduling '
 'of flexworkers.\n'
 'Moreover, the API allows to exchange information regarding human resource availability (constraints), '
 'planning request, and planning assignment. \n'
 '\n'
 "The JSON and XML schema's for the requestBody of each API call can be found on the [SETU "
 'GitHub](https://github.com/setu-standards/xml-specifications/tree/main/setu-planning)')

LICENSE = 'MIT'

TAGS = [{'name': 'Planning constraints',
  'description': 'Set of APIs for availability registration of human resources.'},
 {'name': 'Planning request', 'description': 'Set of APIs for requesting fulfillment of a position.'},
 {'name': 'Planning assignment',
  'description': 'Set of APIs for communicating assignment of human resources to a position.'},
 {'name': 'Scenario 1 | Planning software APIs',
  'description': 'Set of APIs to be implemented by the planning software.'},
 {'name': 'Scenario 1 | Customer backoffice APIs',
  'description': 'Set of APIs to be implemented by the backoffice of the customer.'},
 {'name': 'Scenario 2 | Planning software APIs',
  'description': 'Set of APIs to be implemented by the planning software.'},
 {'name': 'Scenario 2 | Staffing supplier backoffice APIs',
  'description': 'Set of APIs to be implemented by the backoffice of the staffing supplier.'}]

OPERATIONS = {('/planning/requests', 'post'): {'summary': 'Submit a new planning request',
                                  'tags': ['Planning request', 'Scenario 1 | Planning software APIs'],
                                  'parameters': {}},
 ('/planning/requests/{id}', 'get'): {'summary': 'Get the information about a existing planning request',
                                      'tags': ['Planning request', 'Scenario 1 | Planning software APIs'],
                                      'parameters': {'id': 'The identifier of the planning request as a '
                                                           'whole'}},
 ('/planning/requests/{id}', 'put'): {'summary': 'Update an existing planning request as a whole. The '
                                                 'request body replaces all previous shared information of '
                                                 'the resource',
                                      'tags': ['Planning request', 'Scenario 1 | Planning software APIs'],
                                      'parameters': {'id': 'The identifier of the planning request as a '
                                                           'whole'}},
 ('/planning/requests/{id}', 'delete'): {'summary': 'Remove an existing planning request',
                                         'tags': ['Planning request', 'Scenario 1 | Planning software APIs'],
                                         'parameters': {'id': 'The identifier of the planning request as a '
                                                              'whole'}},
 ('/planning/requests/{id}/periodic-lines', 'post'): {'summary': 'Add a new periodic planning line to an '
                                                                 'existing planning request',
                                                      'tags': ['Planning request',
                                                               'Scenario 1 | Planning software APIs'],
                                                      'parameters': {'id': 'The identifier of the planning '
                                                                           'request as a whole'}},
 ('/planning/requests/{id}/single-lines', 'post'): {'summary': 'Add a new single planning line to an '
                                                               'existing planning request',
                                                    'tags': ['Planning request',
                                                             'Scenario 1 | Planning software APIs'],
                                                    'parameters': {'id': 'The identifier of the planning '
                                                                         'request as a whole'}},
 ('/planning/requests/{id}/lines/{lineId}', 'get'): {'summary': 'Get the information about an existing '
                                                                'planning request line',
                                                     'tags': ['Planning request',
                                                              'Scenario 1 | Planning software APIs'],
                                                     'parameters': {'id': 'The identifier of the planning '
                                                                          'request as a whole',
                                                                    'lineId': 'The identifier of a specific '
                                                                              'line within the planning '
                                                                              'request'}},
 ('/planning/requests/{id}/lines/{lineId}', 'put'): {'summary': 'Update an existing planning line',
                                                     'tags': ['Planning request',
                                                              'Scenario 1 | Planning software APIs'],
                                                     'parameters': {'id': 'The identifier of the planning '
                                                                          'request as a whole',
                                                                    'lineId': 'The identifier of a specific '
                                                                              'line within the planning '
                                                                              'request'}},
 ('/planning/requests/{id}/lines/{lineId}', 'delete'): {'summary': 'Remove an existing planning-request line',
                                                        'tags': ['Planning request',
                                                                 'Scenario 1 | Planning software APIs'],
                                                        'parameters': {'id': 'The identifier of the planning '
                                                                             'request as a whole',
                                                                       'lineId': 'The identifier of a '
                                                                                 'specific line within the '
                                                                                 'planning request'}},
 ('/planning/requests/{id}/assignments', 'get'): {'summary': 'Get list of planning assignments related to a '
                                                             'planning request',
                                                  'tags': ['Planning assignment',
                                                           'Scenario 1 | Planning software APIs'],
                                                  'parameters': {'id': 'The identifier of the planning '
                                                                       'request'}},
 ('/planning/assignments', 'post'): {'summary': 'Submit a new planning assignment',
                                     'tags': ['Planning assignment',
                                              'Scenario 1 | Customer backoffice APIs',
                                              'Scenario 2 | Staffing supplier backoffice APIs'],
                                     'parameters': {}},
 ('/planning/assignments/{id}', 'get'): {'summary': 'Get information of an existing planning assignment',
                                         'tags': ['Planning assignment',
                                                  'Scenario 1 | Planning software APIs',
                                                  'Scenario 2 | Planning software APIs'],
                                         'parameters': {'id': 'The identifier of the planning assignment as '
                                                              'a whole'}},
 ('/planning/assignments/{id}', 'put'): {'summary': 'Update an existing planning assignment as a whole. The '
                                                    'request body replaces all previous shared information '
                                                    'of the resource',
                                         'tags': ['Planning assignment',
                                                  'Scenario 1 | Customer backoffice APIs',
                                                  'Scenario 2 | Staffing supplier backoffice APIs'],
                                         'parameters': {'id': 'The identifier of the planning assignment as '
                                                              'a whole'}},
 ('/planning/assignments/{id}', 'delete'): {'summary': 'Remove an existing planning assignment',
                                            'tags': ['Planning assignment',
                                                     'Scenario 1 | Customer backoffice APIs',
                                                     'Scenario 2 | Staffing supplier backoffice APIs'],
                                            'parameters': {'id': 'The identifier of the planning '
                                                                 'assignment'}},
 ('/planning/assignments/{id}/periodic-lines', 'post'): {'summary': 'Add a new periodic planning line to an '
                                                                    'existing planning assignment',
                                                         'tags': ['Planning assignment',
                                                                  'Scenario 1 | Customer backoffice APIs',
                                                                  'Scenario 2 | Staffing supplier backoffice '
                                                                  'APIs'],
                                                         'parameters': {'id': 'The identifier of the '
                                                                              'planning assignment as a '
                                                                              'whole'}},
 ('/planning/assignments/{id}/single-lines', 'post'): {'summary': 'Add a new single planning line to an '
                                                                  'existing planning assignment',
                                                       'tags': ['Planning assignment',
                                                                'Scenario 1 | Customer backoffice APIs',
                                                                'Scenario 2 | Staffing supplier backoffice '
                                                                'APIs'],
                                                       'parameters': {'id': 'The identifier of the planning '
                                                                            'assignment as a whole'}},
 ('/planning/assignments/{id}/lines/{lineId}', 'get'): {'summary': 'Get the information about an existing '
                                                                   'planning assignment line',
                                                        'tags': ['Planning assignment',
                                                                 'Scenario 1 | Planning software APIs',
                                                                 'Scenario 2 | Planning software APIs'],
                                                        'parameters': {'id': 'The identifier of the planning '
                                                                             'assignment as a whole',
                                                                       'lineId': 'The identifier of a '
                                                                                 'specific line within the '
                                                                                 'planning assignment'}},
 ('/planning/assignments/{id}/lines/{lineId}', 'put'): {'summary': 'Update an existing planning assignment '
                                                                   'line',
                                                        'tags': ['Planning assignment',
                                                                 'Scenario 1 | Customer backoffice APIs',
                                                                 'Scenario 2 | Staffing supplier backoffice '
                                                                 'APIs'],
                                                        'parameters': {'id': 'The identifier of the planning '
                                                                             'assignment as a whole',
                                                                       'lineId': 'The identifier of a '
                                                                                 'specific line within the '
                                                                                 'planning assignment'}},
 ('/planning/assignments/{id}/lines/{lineId}', 'delete'): {'summary': 'Remove an existing planning '
                                                                      'assignment line',
                                                           'tags': ['Planning assignment',
                                                                    'Scenario 1 | Customer backoffice APIs',
                                                                    'Scenario 2 | Staffing supplier '
                                                                    'backoffice APIs'],
                                                           'parameters': {'id': 'The identifier of the '
                                                                                'planning assignment as a '
                                                                                'whole',
                                                                          'lineId': 'The identifier of a '
                                                                                    'specific line within '
                                                                                    'the planning request'}},
 ('/planning/constraints', 'get'): {'summary': 'Get availability information for a human resource',
                                    'tags': ['Planning constraints',
                                             'Scenario 1 | Planning software APIs',
                                             'Scenario 2 | Planning software APIs'],
                                    'parameters': {'hrId': 'The identifier of the human resource for which '
                                                           'the constraints are requested'}},
 ('/planning/constraints', 'post'): {'summary': 'Submit additional availability information of a human '
                                                'resource by means of a planning constraints object',
                                     'tags': ['Planning constraints',
                                              'Scenario 1 | Planning software APIs',
                                              'Scenario 2 | Planning software APIs'],
                                     'parameters': {}},
 ('/planning/constraints/{id}', 'get'): {'summary': 'Get information about an existing planning constraints '
                                                    'object',
                                         'tags': ['Planning constraints',
                                                  'Scenario 1 | Planning software APIs',
                                                  'Scenario 2 | Planning software APIs'],
                                         'parameters': {'id': 'The identifier of the planning constraints '
                                                              'object'}},
 ('/planning/constraints/{id}', 'put'): {'summary': 'Update an existing planning constraints object as a '
                                                    'whole. The request body replaces all previous shared '
                                                    'information of the planning constraint',
                                         'tags': ['Planning constraints',
                                                  'Scenario 1 | Planning software APIs',
                                                  'Scenario 2 | Planning software APIs'],
                                         'parameters': {'id': 'The identifier of the planning constraints '
                                                              'object'}},
 ('/planning/constraints/{id}', 'delete'): {'summary': 'Remove an existing planning constraints object',
                                            'tags': ['Planning constraints',
                                                     'Scenario 1 | Planning software APIs',
                                                     'Scenario 2 | Planning software APIs'],
                                            'parameters': {'id': 'The identifier of the planning constraints '
                                                                 'object'}},
 ('/planning/constraints/{id}/periodic-lines', 'post'): {'summary': 'Add a new periodic availability line to '
                                                                    'an existing planning constraints object',
                                                         'tags': ['Planning constraints',
                                                                  'Scenario 1 | Planning software APIs',
                                                                  'Scenario 2 | Planning software APIs'],
                                                         'parameters': {'id': 'The identifier of the '
                                                                              'planning constraints object'}},
 ('/planning/constraints/{id}/single-lines', 'post'): {'summary': 'Add a new single availability line to an '
                                                                  'existing planning constraints object',
                                                       'tags': ['Planning constraints',
                                                                'Scenario 1 | Planning software APIs',
                                                                'Scenario 2 | Planning software APIs'],
                                                       'parameters': {'id': 'The identifier of the planning '
                                                                            'constraints object'}},
 ('/planning/constraints/{id}/lines/{lineId}', 'get'): {'summary': 'Get information about an existing '
                                                                   'availability line',
                                                        'tags': ['Planning constraints',
                                                                 'Scenario 1 | Planning software APIs',
                                                                 'Scenario 2 | Planning software APIs'],
                                                        'parameters': {'id': 'The identifier of the planning '
                                                                             'constraints object',
                                                                       'lineId': 'The identifier of the '
                                                                                 'availability line'}},
 ('/planning/constraints/{id}/lines/{lineId}', 'put'): {'summary': 'Update an existing availability line',
                                                        'tags': ['Planning constraints',
                                                                 'Scenario 1 | Planning software APIs',
                                                                 'Scenario 2 | Planning software APIs'],
                                                        'parameters': {'id': 'The identifier of the planning '
                                                                             'constraints object',
                                                                       'lineId': 'The identifier of the '
                                                                                 'availability line'}},
 ('/planning/constraints/{id}/lines/{lineId}', 'delete'): {'summary': 'Remove an availability line from',
                                                           'tags': ['Planning constraints',
                                                                    'Scenario 1 | Planning software APIs',
                                                                    'Scenario 2 | Planning software APIs'],
                                                           'parameters': {'id': 'The identifier of the '
                                                                                'planning constraints object',
                                                                          'lineId': 'The identifier of the '
                                                                                    'availability line'}}}
