// Throttling on one order account: the platform metric Transactions, split by ResponseType,
// counting the requests storage refused because a scalability target was reached (503 Server
// Busy) or a client exceeded its share (ClientThrottlingError). It is the first sign that the
// account ceilings of docs/capacity.md are near; docs/operations.md justifies the figures.
// https://learn.microsoft.com/azure/templates/microsoft.insights/2018-03-01/metricalerts
// https://learn.microsoft.com/azure/storage/tables/monitor-table-storage-reference (metrics)
param storageAccountName string
param tags object = {}
param actionGroupId string

@description('Turn the rule on (it is deployed either way).')
param enabled bool = true

var throttledResponseTypes = [
  'ServerBusyError'
  'ClientThrottlingError'
]

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource throttling 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: '${storageAccountName}-throttling'
  location: 'global' // metric alerts on a single resource are global
  tags: tags
  properties: {
    description: 'Storage refused requests of ${storageAccountName} for throttling (ResponseType ${join(throttledResponseTypes, ', ')}): an account or partition target of docs/capacity.md is reached.'
    severity: 2
    enabled: enabled
    scopes: [
      account.id
    ]
    evaluationFrequency: 'PT1M'
    windowSize: 'PT5M'
    autoMitigate: true
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'throttled-transactions'
          metricNamespace: 'Microsoft.Storage/storageAccounts'
          metricName: 'Transactions'
          dimensions: [
            {
              name: 'ResponseType'
              operator: 'Include'
              values: throttledResponseTypes
            }
          ]
          timeAggregation: 'Total'
          operator: 'GreaterThan'
          threshold: 0
        }
      ]
    }
    actions: [
      {
        actionGroupId: actionGroupId
      }
    ]
  }
}

output name string = throttling.name
