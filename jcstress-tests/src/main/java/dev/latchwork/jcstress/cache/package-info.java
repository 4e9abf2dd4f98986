/**
 * jcstress harnesses of the fetch cache's guarantees: the cross-object {@link
 * dev.latchwork.fetch.FetchBudget}'s hand-over of permits.
 */
package dev.latchwork.jcstress.cache;
