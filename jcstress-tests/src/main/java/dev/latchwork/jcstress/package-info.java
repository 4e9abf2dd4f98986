/** jcstress harnesses (issue 4). */
package dev.latchwork.jcstress;
