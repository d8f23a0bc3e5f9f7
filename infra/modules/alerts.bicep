// The log search alerts of docs/operations.md ("Alerts"), as scheduled query rules on the
// Application Insights resource. Each query is loaded from infra/queries/, its one home (the
// workbook and the docs read the same files); severities, windows and thresholds are justified
// in docs/operations.md. tests/e2e/test_alert_queries_e2e.py evaluates each condition on the
// telemetry the app really sends, tests/deploy/test_monitoring.py checks this file against the
// docs. https://learn.microsoft.com/azure/templates/microsoft.insights/2021-08-01/scheduledqueryrules
param applicationInsightsName string
param location string
param tags object = {}
param actionGroupId string

@description('Turn the rules on (they are deployed either way).')
param enabled bool = true

var alerts = [
  {
    name: 'poison-messages'
    displayName: 'Order events in a poison queue'
    description: 'A change-feed message ended in <queue>-poison: an order change that never reached the read models. Someone must look at it (docs/operations.md).'
    severity: 1
    windowSize: 'PT5M'
    evaluationFrequency: 'PT5M'
    query: loadTextContent('../queries/alert-poison-messages.kql')
    timeAggregation: 'Total'
    metricMeasureColumn: 'poisoned'
    operator: 'GreaterThan'
    threshold: 0
    dimensions: ['queue']
    failingPeriods: 1
  }
  {
    name: 'feed-lag'
    displayName: 'Change feed behind by more than a minute'
    description: 'p95 of the time from an order change to its event applied to the read models is over 60 s: the queue is backed up or events come through the relay.'
    severity: 2
    windowSize: 'PT15M'
    evaluationFrequency: 'PT5M'
    query: loadTextContent('../queries/alert-feed-lag.kql')
    timeAggregation: 'Maximum'
    metricMeasureColumn: 'p95_lag_s'
    operator: 'GreaterThan'
    threshold: 60
    dimensions: []
    failingPeriods: 1
  }
  {
    name: 'outbox-relaying'
    displayName: 'Events keep reaching the queue through the relay'
    description: 'The relay sent events whose send after commit had failed, in three windows in a row: sends to the event queue keep failing.'
    severity: 2
    windowSize: 'PT15M'
    evaluationFrequency: 'PT15M'
    query: loadTextContent('../queries/alert-outbox-relayed.kql')
    timeAggregation: 'Total'
    metricMeasureColumn: 'relayed'
    operator: 'GreaterThan'
    threshold: 0
    dimensions: []
    failingPeriods: 3
  }
  {
    name: 'thumbnail-failures'
    displayName: 'Many uploads fail to become thumbnails'
    description: 'At least 5 uploads in an hour, over 20% of them, ended failed or error: more than the usual bad upload.'
    severity: 3
    windowSize: 'PT1H'
    evaluationFrequency: 'PT15M'
    query: loadTextContent('../queries/alert-thumbnail-failures.kql')
    timeAggregation: 'Maximum'
    metricMeasureColumn: 'failed_pct'
    operator: 'GreaterThan'
    threshold: 20
    dimensions: []
    failingPeriods: 1
  }
  {
    name: 'failing-invocations'
    displayName: 'Function invocations failing'
    description: 'Invocations that failed (not a 4xx answer to a client), by function: an exception, a timeout or a 5xx.'
    severity: 2
    windowSize: 'PT15M'
    evaluationFrequency: 'PT5M'
    query: loadTextContent('../queries/alert-failing-invocations.kql')
    timeAggregation: 'Total'
    metricMeasureColumn: 'failures'
    operator: 'GreaterThan'
    threshold: 0
    dimensions: ['name']
    failingPeriods: 1
  }
]

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource rules 'Microsoft.Insights/scheduledQueryRules@2021-08-01' = [for alert in alerts: {
  name: '${applicationInsightsName}-${alert.name}'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: alert.displayName
    description: alert.description
    severity: alert.severity
    enabled: enabled
    scopes: [
      applicationInsights.id
    ]
    evaluationFrequency: alert.evaluationFrequency
    windowSize: alert.windowSize
    autoMitigate: true
    criteria: {
      allOf: [
        {
          query: alert.query
          timeAggregation: alert.timeAggregation
          metricMeasureColumn: alert.metricMeasureColumn
          operator: alert.operator
          threshold: alert.threshold
          dimensions: [for dimension in alert.dimensions: {
            name: dimension
            operator: 'Include'
            values: ['*']
          }]
          failingPeriods: {
            numberOfEvaluationPeriods: alert.failingPeriods
            minFailingPeriodsToAlert: alert.failingPeriods
          }
        }
      ]
    }
    actions: {
      actionGroups: [
        actionGroupId
      ]
    }
  }
}]

output names array = [for (alert, i) in alerts: rules[i].name]
